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
export async function startEdgeWorker(options: { bindings?: Record<string, string>; persistDir?: string; port?: number } = {}): Promise<EdgeWorker> {
  built ??= buildEdge();
  await built;
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
      scriptPath: EDGE_BUNDLE,
      compatibilityDate: workerPlatform.compatibilityDate,
      compatibilityFlags: workerPlatform.compatibilityFlags,
      durableObjects: Object.fromEntries(workerPlatform.durableObjects.map(({ binding, className }) => [binding, { className, useSQLite: true }])),
      bindings: { API_VERSIONS: "v1,v2", ...options.bindings },
    }),
  );
  const url = await miniflare.ready;
  return {
    origin: url.origin,
    mcpUrl: new URL("/v1/mcp", url),
    dispose: () => miniflare.dispose(),
  };
}
