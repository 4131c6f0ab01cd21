import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEdge } from "../../scripts/build-edge.ts";
import { startWorkerBundle } from "../../scripts/edge-miniflare.ts";

let built: Promise<string> | undefined;

/**
 * This test process's own build of the Worker, in a temporary folder removed
 * at exit: rebuilding `dist/edge/worker.js` under a running dev:edge would
 * reload it mid-write.
 */
export function ownEdgeBundle(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-edge-build-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return (await buildEdge({ outfile: join(dir, "worker.js") })).path;
  })();
  return built;
}

export interface EdgeWorker {
  origin: string;
  mcpUrl: URL;
  dispose(): Promise<void>;
}

/**
 * Runs the built Worker bundle (the artifact the infra uploads) in workerd via
 * Miniflare, on a loopback port, with SQLite-backed Durable Objects.
 */
export async function startEdgeWorker(
  options: { bindings?: Record<string, string>; persistDir?: string; port?: number; /** A bundle of the test's own; @default this process's build */ scriptPath?: string } = {},
): Promise<EdgeWorker> {
  const scriptPath = options.scriptPath ?? (await ownEdgeBundle());
  const { miniflare, url } = await startWorkerBundle({ ...options, scriptPath });
  return {
    origin: url.origin,
    mcpUrl: new URL("/v1/mcp", url),
    dispose: () => miniflare.dispose(),
  };
}
