// A Fly machine's release host in the test process: real release processes behind the real router.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { ReleaseProcess } from "../../src/runtimes/release-host/release-process.ts";
import { createReleaseRouter } from "../../src/runtimes/release-host/router.ts";
import type { AppCopy } from "./app-copy.ts";

/** The working tree's server: a release as the image carries it. */
export const OWN_ENTRY = fileURLToPath(new URL("../../src/runtimes/node-main.ts", import.meta.url));

export interface TestReleaseHost {
  origin: string;
  releases: Map<string, ReleaseProcess>;
  /** Every line the host and its release processes logged. */
  log: string[];
  stop(): Promise<void>;
}

export interface TestReleaseHostOptions {
  dataDir: string;
  secret: string;
  /** Release → its server's entry module. */
  entries: Record<string, string>;
  /** The release of calls naming none. */
  direct: string;
  memoryLimitMb?: number;
  watchMs?: number;
}

/** Starts every release's process over one data dir and the router in front of them; resolves once all are up. */
export async function startReleaseHost(options: TestReleaseHostOptions): Promise<TestReleaseHost> {
  const log: string[] = [];
  const releases = new Map<string, ReleaseProcess>();
  for (const [release, entry] of Object.entries(options.entries)) {
    const env = { ...process.env, HOST: "127.0.0.1", PORT: "0", MCP_DATA_DIR: options.dataDir, MCP_RELEASE: release, MCP_UPSTREAM_SECRET: options.secret, MCP_START_COMPUTE: "0" };
    const served = new ReleaseProcess({ release, entry, env, memoryLimitMb: options.memoryLimitMb ?? 512, watchMs: options.watchMs ?? 100, log: (line) => log.push(line) });
    served.start();
    releases.set(release, served);
  }
  const server = createServer(createReleaseRouter({ releases, directRelease: () => options.direct, hostRelease: options.direct, secret: options.secret }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  for (const served of releases.values()) assert.ok(await served.whenUp(20_000), `${served.release} came up:\n${log.join("\n")}`);
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    releases,
    log,
    async stop() {
      await Promise.all([...releases.values()].map((served) => served.stop()));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Makes a copy's kb_search answer differently: every title it returns starts with "[green] ". */
export function markKbSearchTitles(copy: AppCopy): void {
  copy.rewrite("src/tools/kb.ts", "({ hits: await ctx.state.knowledgeBase.search(query, limit) })", "({ hits: (await ctx.state.knowledgeBase.search(query, limit)).map((hit) => ({ ...hit, title: `[green] ${hit.title}` })) })");
}
