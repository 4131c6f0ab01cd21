import { mkdirSync, renameSync } from "node:fs";
import type { BuildFailure } from "esbuild";
import { buildEdge } from "./build-edge.ts";
import { startWorkerBundle } from "./edge-miniflare.ts";
import { watchSources, type SourceWatcher } from "./source-watcher.ts";

export interface EdgeRebuilderOptions {
  /** The Worker module to build. */
  entry: string;
  /** The bundle wrangler serves (and reloads when it changes). */
  bundlePath: string;
  /** A folder outside the bundle's, on the same file system, where a new build waits for its check. */
  stagingDir: string;
  log: (line: string) => void;
  /** Quiet time after the last change before a rebuild. @default 250 */
  debounceMs?: number;
}

/**
 * dev:edge's rebuild on a source change, the way `wrangler dev` users expect,
 * without ever taking the dev server down: wrangler exits when a reload
 * brings a bundle that fails to start ("The Workers runtime failed to
 * start"), and a bundle rewritten in place could be loaded half-written.
 * So a rebuild is built aside, started once in workerd, and only then
 * renamed over the served bundle (one atomic step). A build that fails or a
 * bundle that does not start is reported, and the previous build goes on
 * serving.
 */
export class EdgeRebuilder {
  readonly #options: EdgeRebuilderOptions;
  #running: Promise<void> = Promise.resolve();
  #watcher: SourceWatcher | undefined;

  constructor(options: EdgeRebuilderOptions) {
    this.#options = options;
  }

  /** Watches files and folders (recursively); every burst of changes rebuilds once. Settles once watching. */
  watch(paths: string[]): Promise<void> {
    this.#watcher = watchSources(paths, { onChange: () => void this.rebuild(), debounceMs: this.#options.debounceMs ?? 250 });
    return this.#watcher.ready;
  }

  async close(): Promise<void> {
    await this.#watcher?.close();
  }

  /** Rebuilds now; resolves once the new bundle is served, or refused. */
  rebuild(): Promise<void> {
    this.#running = this.#running.then(() => this.#rebuild());
    return this.#running;
  }

  async #rebuild(): Promise<void> {
    const { entry, bundlePath, stagingDir, log } = this.#options;
    mkdirSync(stagingDir, { recursive: true });
    const staged = `${stagingDir}/worker.js`;
    try {
      await buildEdge({ outfile: staged, entry });
    } catch (error) {
      log(`rebuild failed: ${buildErrors(error)}; still serving the previous build`);
      return;
    }
    try {
      const { miniflare } = await startWorkerBundle({ scriptPath: staged });
      await miniflare.dispose();
    } catch (error) {
      log(`the rebuilt Worker does not start; still serving the previous build:\n${firstLines(error)}`);
      return;
    }
    renameSync(staged, bundlePath);
    log("rebuilt the Worker; wrangler reloads it");
  }
}

/** esbuild's errors as `file:line:column message`, one per line; anything else by its message. */
function buildErrors(error: unknown): string {
  const messages = (error as Partial<BuildFailure>).errors;
  if (!Array.isArray(messages) || messages.length === 0) return error instanceof Error ? error.message : String(error);
  return messages.map(({ text, location }) => (location ? `${location.file}:${location.line}:${location.column} ${text}` : text)).join("\n  ");
}

function firstLines(error: unknown, count = 8): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n").slice(0, count).map((line) => `  ${line}`).join("\n");
}
