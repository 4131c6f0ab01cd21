/**
 * Tool-call latency on workerd: the built Worker bundle (the artifact the
 * infra uploads) under Miniflare, and the raw floor, a minimal Worker under
 * the same Miniflare setup answering with the bytes our Worker answered.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { WORKER_BUILD_OPTIONS } from "../app/scripts/build-edge.ts";
import { workerPlatform } from "../app/scripts/worker-platform.ts";
import { startEdgeWorker } from "../app/test/support/edge-worker.ts";
import { floorTarget, mcpTarget, measureLatency, recordAnswers, type LatencyPlan, type LatencyRow } from "./latency.ts";


/** Bindings for benchmarking: the per-session tool-call rate limit is lifted to its maximum. */
export const BENCH_BINDINGS = { RATE_LIMIT_PER_MINUTE: "100000" };

/** A minimal Worker that reads the body and answers with the recorded bytes for the path. */
function floorScript(answers: Record<string, { status: number; contentType: string; body: string }>): string {
  return `const answers = ${JSON.stringify(answers)};
export default {
  async fetch(request) {
    await request.arrayBuffer();
    const answer = answers[new URL(request.url).pathname];
    if (answer === undefined) return new Response(null, { status: 404 });
    return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.contentType } });
  },
};`;
}

interface Running {
  origin: string;
  dispose(): Promise<void>;
}

/** A Worker under Miniflare on a loopback port, set up like our Worker in the tests (platform.json's date and flags). */
async function runWorker(
  source: { script: string } | { scriptPath: string },
  options: { name: string; extraFlags?: string[]; durableObjects?: Record<string, { className: string; useSQLite: boolean }> },
): Promise<Running> {
  const { extraFlags = [], ...worker } = options;
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      cf: { colo: "LOCAL", country: "XX" },
      modules: true,
      compatibilityDate: workerPlatform.compatibilityDate,
      compatibilityFlags: [...workerPlatform.compatibilityFlags, ...extraFlags],
      ...worker,
      ...source,
    }),
  );
  const url = await miniflare.ready;
  return { origin: url.origin, dispose: () => miniflare.dispose() };
}

export function startWorkerdFloor(answers: Record<string, { status: number; contentType: string; body: string }>): Promise<Running> {
  return runWorker({ script: floorScript(answers) }, { name: "raw-floor" });
}

/** Bundles the McpAgent peer (bench/servers/workerd-peer.ts) the way wrangler would for nodejs_compat. */
export async function buildWorkerdPeer(): Promise<{ path: string; rawBytes: number; gzipBytes: number }> {
  const path = fileURLToPath(new URL("../results/workerd-peer/worker.js", import.meta.url));
  await build({
    ...WORKER_BUILD_OPTIONS,
    entryPoints: [fileURLToPath(new URL("./servers/workerd-peer.ts", import.meta.url))],
    outfile: path,
    // nodejs_compat serves Node's built-ins, with or without the node: prefix.
    external: ["cloudflare:*", "node:*", ...builtinModules],
    minify: true,
    logLevel: "error",
  });
  const code = readFileSync(path);
  return { path, rawBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

export async function startWorkerdPeer(): Promise<Running> {
  const bundle = await buildWorkerdPeer();
  return runWorker({ scriptPath: bundle.path }, { name: "agents-peer", extraFlags: ["nodejs_compat"], durableObjects: { PEER_MCP: { className: "PeerMcp", useSQLite: true } } });
}

export async function workerdLatency(plan: LatencyPlan): Promise<LatencyRow[]> {
  const worker = await startEdgeWorker({ bindings: BENCH_BINDINGS });
  const ours = mcpTarget("ours", "mcp-hosting Worker + Durable Objects", worker.origin, () => "/v1/mcp");
  const recorded = await recordAnswers(ours);
  const floor = await startWorkerdFloor(
    Object.fromEntries([...recorded].map(([path, { answer }]) => [path, { status: answer.status, contentType: String(answer.headers["content-type"]), body: answer.body }])),
  );
  const floorWorker = floorTarget("minimal Worker, same bytes", floor.origin, ours);
  const peerWorker = await startWorkerdPeer();
  const peer = mcpTarget("peer", "agents McpAgent (2025-11-25 only)", peerWorker.origin, () => "/mcp", ["2025-11-25"]);
  try {
    return await measureLatency("workerd", [ours, floorWorker, peer], plan);
  } finally {
    for (const target of [ours, floorWorker, peer]) target.close();
    await Promise.all([worker.dispose(), floor.dispose(), peerWorker.dispose()]);
  }
}

if (import.meta.main) {
  const rows = await workerdLatency({ runs: 3, callsPerRun: 200, warmupCalls: 100 });
  for (const row of rows) console.log(row.era, row.tool, row.role.padEnd(5), JSON.stringify(row.latency), row.errors);
}
