import { dirname } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { workerPlatform } from "./worker-platform.ts";

export interface WorkerBundleOptions {
  /** The built bundle (one ES module). */
  scriptPath: string;
  bindings?: Record<string, string>;
  /** Where Durable Object storage persists; in memory when unset. */
  persistDir?: string;
  /** @default 0, a free port */
  port?: number;
}

/**
 * Runs a built Worker bundle in workerd via Miniflare, on a loopback port,
 * with the Durable Objects and compatibility settings of platform.json: how
 * the tests, the bench and dev:edge's check of a rebuilt bundle run it.
 * A bundle that fails to start leaves no workerd behind.
 */
export async function startWorkerBundle(options: WorkerBundleOptions): Promise<{ miniflare: Miniflare; url: URL }> {
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
      scriptPath: options.scriptPath,
      // Module names are paths from modulesRoot (default: the working directory), which a bundle elsewhere must not climb out of.
      modulesRoot: dirname(options.scriptPath),
      compatibilityDate: workerPlatform.compatibilityDate,
      compatibilityFlags: workerPlatform.compatibilityFlags,
      durableObjects: Object.fromEntries(workerPlatform.durableObjects.map(({ binding, className }) => [binding, { className, useSQLite: true }])),
      bindings: { API_VERSIONS: "v1,v2", ...options.bindings },
    }),
  );
  const url = await miniflare.ready.catch(async (error: unknown) => {
    await miniflare.dispose();
    throw error;
  });
  return { miniflare, url };
}
