/**
 * What each hop costs, per placement, on this machine: our Worker under
 * workerd with its Fly origin pointed at the release host in front of our Node
 * server (as a Fly machine runs it) and its Modal URL at the local Python
 * compute runner (the wiring of app/test/edge-upstreams.test.ts), one call in
 * flight. A tool of each placement is timed through the edge: `echo` (edge
 * only), `kb_search` (edge → Fly), `csv_profile` (edge → Modal runner), and
 * `csv_cluster`, the tool with a Modal Function of its own (PyTorch on this
 * machine's CPU), whose first call, which imports torch, is its cold start; the
 * same signed calls the edge makes are also timed straight to each backend,
 * and to the release's own server past the host, which gives the host's cost.
 * Hop overhead = edge → backend minus edge only.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { STREAM_CONTENT_TYPE, callPath } from "../app/src/upstream/call-stream.ts";
import { signRequest } from "../app/src/upstream/signing.ts";
import { startEdgeWorker } from "../app/test/support/edge-worker.ts";
import { HttpClient } from "./http-client.ts";
import { mcpTarget, measureLatency, type LatencyPlan, type LatencyRow, type LatencyTarget } from "./latency.ts";
import { ECHO, ERAS, isToolSuccess, type ToolCall } from "./mcp-wire.ts";
import { RELEASE_HOST_READY } from "../app/src/runtimes/release-host/ready-line.ts";
import { spawnServer } from "./servers/spawn.ts";
import { BENCH_BINDINGS } from "./workerd-latency.ts";

export type Placement = "edge" | "fly" | "modal";

/** A cheap tool of each placement (app/src/tools: echo.ts, kb.ts, csv.ts). */
export const PLACED_CALLS: Record<Placement, ToolCall> = {
  edge: ECHO,
  fly: { tool: "kb_search", args: { query: "restore drill", limit: 5 } },
  modal: { tool: "csv_profile", args: { csv: "city,temp\nOslo,4.5\nLima,19\nCairo,\n" } },
};

/**
 * The tool with a Modal Function of its own (app/src/tools/csv-cluster.ts): k-means
 * in PyTorch, on this machine's CPU, over 300 rows of two columns into 3 clusters.
 */
export const OWN_FUNCTION: ToolCall = {
  tool: "csv_cluster",
  args: { csv: ["x,y", ...Array.from({ length: 300 }, (_, i) => `${(i % 3) * 10 + (i % 7) / 7},${(i % 3) * 5 + (i % 5) / 5}`)].join("\n"), k: 3 },
};

/** Label of csv_cluster's first call through the edge, which imports torch in the runner. */
export const COLD_FIRST_CALL = "first call through the edge (cold: the runner imports torch)";

/** The seed's per-platform latency figures, in ms, that the local hops are read against. */
export const SEED_FIGURES: Record<Placement, { lowMs: number; highMs: number; platform: string }> = {
  edge: { lowMs: 1, highMs: 5, platform: "Workers" },
  fly: { lowMs: 2, highMs: 8, platform: "Fly" },
  modal: { lowMs: 10, highMs: 25, platform: "Modal" },
};

export function placementOf(tool: string): Placement {
  if (tool === OWN_FUNCTION.tool) return "modal";
  const found = (Object.keys(PLACED_CALLS) as Placement[]).find((placement) => PLACED_CALLS[placement].tool === tool);
  if (found === undefined) throw new Error(`no placement measured for tool ${tool}`);
  return found;
}

/** Label of the straight call to the Fly release's own server, past the release host. */
export const PAST_THE_HOST = "past the release host";

/** The signed call the edge makes to `origin` for `placement`'s tool, sent from here; era-less, so measured once (first era). */
function backendTarget(placement: Placement, origin: string, secret: string, label = `signed call to the ${placement} backend`): LatencyTarget & { close(): void } {
  const base = new URL(origin);
  const client = new HttpClient(base.origin);
  return {
    role: "backend",
    label,
    async caller(era, call) {
      const tools = placement === "modal" ? [PLACED_CALLS.modal.tool, OWN_FUNCTION.tool] : [PLACED_CALLS[placement].tool];
      if (era !== ERAS[0] || !tools.includes(call.tool)) return undefined;
      const path = `${base.pathname.replace(/\/$/, "")}${callPath({ kind: "tools", name: call.tool })}`;
      const body = JSON.stringify(call.args);
      const bytes = new TextEncoder().encode(body) as Uint8Array<ArrayBuffer>;
      // A fresh signature each call: the receivers refuse a replayed one.
      return async () =>
        client.post(path, body, { ...(await signRequest(secret, "POST", path, bytes)), "content-type": "application/json", accept: `${STREAM_CONTENT_TYPE}, application/json` });
    },
    close: () => client.close(),
  };
}

const RELEASE_HOST = fileURLToPath(new URL("../app/src/runtimes/release-host/main.ts", import.meta.url));

export async function placementLatency(plan: LatencyPlan): Promise<LatencyRow[]> {
  const secret = randomBytes(32).toString("hex");
  const dataDir = mkdtempSync(join(tmpdir(), "mcp-bench-placement-"));
  // The Fly side as a machine runs it: the release host, one release (the working tree) behind it.
  // Ready once its release is up, so that release's own line (its port, the compute runner's URL) is printed by then.
  const node = await spawnServer([RELEASE_HOST], { HOST: "127.0.0.1", PORT: "0", MCP_DATA_DIR: dataDir, MCP_START_COMPUTE: "1", MCP_UPSTREAM_SECRET: secret }, 20_000, RELEASE_HOST_READY);
  const started = /\[local\] mcp-hosting listening on (http:\/\/[^/\s]+)\/.*compute (http:\/\/\S+?)[,)]/.exec(node.output());
  const [serverOrigin, modalUrl] = [started?.[1], started?.[2]];
  const targets: (LatencyTarget & { close(): void })[] = [];
  let edge: Awaited<ReturnType<typeof startEdgeWorker>> | undefined;
  try {
    if (modalUrl === undefined || serverOrigin === undefined) throw new Error(`the release's Node server did not start with its compute runner (python3?):\n${node.output()}`);
    edge = await startEdgeWorker({ bindings: { ...BENCH_BINDINGS, FLY_ORIGIN: node.origin, MODAL_URL: modalUrl, MCP_UPSTREAM_SECRET: secret } });
    const viaEdge = mcpTarget("ours", "through the edge", edge.origin, () => "/v1/mcp");
    targets.push(viaEdge, backendTarget("fly", node.origin, secret), backendTarget("fly", serverOrigin, secret, `signed call to the fly release's server, ${PAST_THE_HOST}`), backendTarget("modal", modalUrl, secret));
    // One document for kb_search to find, put through the edge as a client would.
    const put = await (await viaEdge.conversation(ERAS[0]!)).call({ tool: "kb_put", args: { key: "bench/restore", title: "Restore drill", body: "Run the restore drill against the backup bucket." } });
    if (!isToolSuccess(put)) throw new Error(`kb_put through the edge failed: HTTP ${put.status} ${put.body.slice(0, 200)}`);
    // csv_cluster's cold start: its first call, before anything imported torch in the runner.
    const started = performance.now();
    const first = await (await viaEdge.conversation(ERAS[0]!)).call(OWN_FUNCTION);
    const coldMs = performance.now() - started;
    const cold: LatencyRow = { runtime: "placement", era: ERAS[0]!, tool: OWN_FUNCTION.tool, role: "ours", label: COLD_FIRST_CALL, latency: { p50: coldMs, p95: coldMs, p99: coldMs }, calls: 1, errors: isToolSuccess(first) ? 0 : 1 };
    return [cold, ...(await measureLatency("placement", targets, plan, ERAS, [...Object.values(PLACED_CALLS), OWN_FUNCTION]))];
  } finally {
    for (const target of targets) target.close();
    await edge?.dispose();
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const rows = await placementLatency({ runs: 2, callsPerRun: 100, warmupCalls: 50 });
  for (const row of rows) console.log(row.era, row.tool.padEnd(12), row.role.padEnd(8), JSON.stringify(row.latency), row.errors);
}
