/**
 * Cold start: a Node process from spawn to its first successful initialize;
 * the edge bundle's size; workerd (Miniflare) from start to the Worker's
 * first answered initialize.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEdge } from "../app/scripts/build-edge.ts";
import { startEdgeWorker } from "../app/test/support/edge-worker.ts";
import { HttpClient } from "./http-client.ts";
import { McpConversation } from "./mcp-wire.ts";
import { spawnOurNodeServer } from "./node-latency.ts";
import { elapsedMs, median } from "./stats.ts";
import { BENCH_BINDINGS, buildWorkerdPeer } from "./workerd-latency.ts";

export interface ColdStart {
  /** Spawn to first initialize answered, without the Python compute runner (MCP_START_COMPUTE=0), compile cache warm (any start after the first). */
  nodeMs: number;
  /** The same with an empty compile cache: the first start on a new machine. */
  nodeEmptyCacheMs: number;
  /** The same with the compute runner, as plain `npm start` runs it. */
  nodeWithComputeMs: number;
  bundleRawBytes: number;
  bundleGzipBytes: number;
  /** The McpAgent peer's bundle, gzip, for comparison. */
  peerBundleGzipBytes: number;
  /** Miniflare start (workerd process, Durable Objects) to the first answered initialize. */
  workerdMs: number;
}

async function firstInitialize(origin: string): Promise<void> {
  const client = new HttpClient(origin);
  try {
    await McpConversation.open(client, "/v1/mcp", "2025-11-25");
  } finally {
    client.close();
  }
}

async function nodeOnce(env: Record<string, string>, { emptyCompileCache = false } = {}): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "mcp-bench-cold-"));
  const cacheEnv: Record<string, string> = emptyCompileCache ? { NODE_COMPILE_CACHE: join(dataDir, "compile-cache") } : {};
  const started = process.hrtime.bigint();
  const server = await spawnOurNodeServer(dataDir, { ...env, ...cacheEnv });
  await firstInitialize(server.origin);
  const ms = elapsedMs(started);
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return ms;
}

async function workerdOnce(): Promise<number> {
  const started = process.hrtime.bigint();
  const worker = await startEdgeWorker({ bindings: BENCH_BINDINGS });
  await firstInitialize(worker.origin);
  const ms = elapsedMs(started);
  await worker.dispose();
  return ms;
}

export async function coldStart(runs: number): Promise<ColdStart> {
  // A bundle of the bench's own: rebuilding dist/edge/worker.js would reload a running dev:edge.
  const buildDir = mkdtempSync(join(tmpdir(), "mcp-bench-build-"));
  const bundle = await buildEdge({ outfile: join(buildDir, "worker.js") });
  rmSync(buildDir, { recursive: true, force: true });
  // Not counted: a first start of each, which warms the disk cache (and Node's compile cache).
  await workerdOnce();
  await nodeOnce({});
  const node: number[] = [];
  const nodeEmptyCache: number[] = [];
  const nodeWithCompute: number[] = [];
  const workerd: number[] = [];
  for (let run = 0; run < runs; run++) {
    node.push(await nodeOnce({}));
    nodeEmptyCache.push(await nodeOnce({}, { emptyCompileCache: true }));
    nodeWithCompute.push(await nodeOnce({ MCP_START_COMPUTE: "1" }));
    workerd.push(await workerdOnce());
  }
  return {
    nodeMs: median(node),
    nodeEmptyCacheMs: median(nodeEmptyCache),
    nodeWithComputeMs: median(nodeWithCompute),
    bundleRawBytes: bundle.rawBytes,
    bundleGzipBytes: bundle.gzipBytes,
    peerBundleGzipBytes: (await buildWorkerdPeer()).gzipBytes,
    workerdMs: median(workerd),
  };
}

if (import.meta.main) console.log(await coldStart(3));
