import { dirname } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { buildEdge, EDGE_BUNDLE } from "../../scripts/build-edge.ts";
import { workerPlatform } from "../../scripts/worker-platform.ts";

let built: Promise<unknown> | undefined;

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
  options: { bindings?: Record<string, string>; persistDir?: string; port?: number; /** A bundle of the test's own; @default the shared build */ scriptPath?: string } = {},
): Promise<EdgeWorker> {
  if (!options.scriptPath) {
    built ??= buildEdge();
    await built;
  }
  // Miniflare 5 takes a new options shape; its converter accepts the documented (v4) one.
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: options.port ?? 0,
      // A fixed `cf` object: Miniflare would otherwise try to fetch one from the internet.
      cf: { colo: "LOCAL", country: "XX" },
      ...(options.persistDir ? { resourcePersistencePath: options.persistDir } : {}),
      name: "mcp-hosting-edge",
      modules: true,
      scriptPath: options.scriptPath ?? EDGE_BUNDLE,
      // Module names are paths from modulesRoot (default: the working directory), which a bundle elsewhere must not climb out of.
      ...(options.scriptPath ? { modulesRoot: dirname(options.scriptPath) } : {}),
      compatibilityDate: workerPlatform.compatibilityDate,
      compatibilityFlags: workerPlatform.compatibilityFlags,
      durableObjects: Object.fromEntries(workerPlatform.durableObjects.map(({ binding, className }) => [binding, { className, useSQLite: true }])),
      bindings: { API_VERSIONS: "v1,v2", ...options.bindings },
    }),
  );
  // A Worker that fails to start must not leave workerd running (and the test process hanging).
  const url = await miniflare.ready.catch(async (error: unknown) => {
    await miniflare.dispose();
    throw error;
  });
  return {
    origin: url.origin,
    mcpUrl: new URL("/v1/mcp", url),
    dispose: () => miniflare.dispose(),
  };
}
