/** Renders one benchmark run as Markdown (bench/RESULTS.md). */
import type { LatencyRow } from "./latency.ts";
import { f, table } from "./markdown.ts";
import { LOAD_METHOD, renderHighestRates, renderPlacement, renderSweeps } from "./report-load.ts";
import type { SessionStoreRate } from "./session-store.ts";
import { compared, judge, type Figures } from "./targets.ts";

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  date: string;
  mode: "full" | "quick";
}

export interface BenchResults extends Figures {
  machine: Machine;
  placement: LatencyRow[];
  sessionStore: SessionStoreRate;
  plan: Record<string, unknown>;
}

export function renderMarkdown(results: BenchResults): string {
  const { machine } = results;
  const out: string[] = [];
  out.push("# Benchmark results", "");
  out.push(`Written by \`npm run bench${machine.mode === "quick" ? " -- --quick" : ""}\`. One-in-flight latencies, cold starts and infra timings are medians of several runs; each sweep rung is the median run of its rate (by p99; a quick run runs each rate once), with the errors of every run; every comparison is a ratio or difference taken in the same run. Traffic goes to 127.0.0.1 only.`, "");
  out.push(table(["machine", "value"], [["CPU", `${machine.cpu} (${machine.cores} cores)`], ["Node", machine.node], ["date", machine.date], ["mode", machine.mode]]), "");

  out.push("## Targets", "");
  out.push(table(["target", "measured", "verdict"], judge(results).map((v) => [v.target, v.measured, v.pass ? "pass" : "**FAIL**"])), "");

  out.push("## Tool-call latency (ms, loopback, one call in flight, keep-alive)", "");
  out.push(
    table(
      ["runtime", "era", "tool", "ours p50", "ours p95", "ours p99", "floor p50", "floor p99", "overhead p50", "overhead p99", "SDK + event store p50", "p99", "SDK / McpAgent p50", "p99", "SDK + store ÷ ours (p50)", "errors"],
      compared(results.latency).map(({ ours, floor, peerStore, peer }) => [
        ours.runtime,
        ours.era,
        ours.tool,
        f(ours.latency.p50),
        f(ours.latency.p95),
        f(ours.latency.p99),
        f(floor?.latency.p50),
        f(floor?.latency.p99),
        floor ? `+${f(ours.latency.p50 - floor.latency.p50)}` : "–",
        floor ? `+${f(ours.latency.p99 - floor.latency.p99)}` : "–",
        f(peerStore?.latency.p50),
        f(peerStore?.latency.p99),
        f(peer?.latency.p50),
        f(peer?.latency.p99),
        peerStore ? `${f(peerStore.latency.p50 / ours.latency.p50)}×` : "–",
        String(ours.errors + (peerStore?.errors ?? 0) + (peer?.errors ?? 0)),
      ]),
    ),
    "",
  );
  out.push(
    "Floor: a minimal server on the same runtime (`node:http`; a one-function Worker under the same Miniflare) that reads the body and answers with the bytes our server answered. " +
      "Peers (Node): a plain SDK server as the SDK's examples write it (`bench/servers/node-peer.ts`), with the SDK's `InMemoryEventStore` and without. " +
      "Peer (workerd): Cloudflare's `agents` McpAgent (`bench/servers/workerd-peer.ts`), which serves 2025-11-25 sessions only. " +
      "The client sends raw JSON-RPC on a keep-alive `node:http` agent (`bench/http-client.ts`), one call in flight; 2025-11-25 sessions are initialized once, before timing.",
    "",
  );

  out.push("## Load: open-loop rate sweeps", "");
  out.push(LOAD_METHOD, "");
  out.push("### Highest rate within budget, and its cost", "");
  out.push(...renderHighestRates(results.load));
  out.push(...renderSweeps(results.load));

  out.push("## Per-placement hop overhead (ms, loopback, one call in flight)", "");
  out.push(...renderPlacement(results.placement));

  const cold = results.coldStart;
  out.push("## Cold start and bundle", "");
  out.push(
    table(
      ["what", "value"],
      [
        ["Node: spawn → first initialize answered (MCP_START_COMPUTE=0; compile cache warm, as on any restart)", `${f(cold.nodeMs, 0)} ms`],
        ["Node: the same with an empty compile cache (first start on a machine)", `${f(cold.nodeEmptyCacheMs, 0)} ms`],
        ["Node: the same with the Python compute runner (`npm start`)", `${f(cold.nodeWithComputeMs, 0)} ms`],
        ["edge bundle (dist/edge/worker.js) raw", `${f(cold.bundleRawBytes / 1000, 1)} KB`],
        ["edge bundle gzip -9", `${f(cold.bundleGzipBytes / 1000, 1)} KB`],
        ["the McpAgent peer's bundle, gzip -9 (for comparison)", `${f(cold.peerBundleGzipBytes / 1000, 1)} KB`],
        ["workerd (Miniflare) start → first initialize answered", `${f(cold.workerdMs, 0)} ms`],
      ],
    ),
    "",
  );

  const store = results.sessionStore;
  out.push("## Session store (SQLite, WAL, on disk)", "");
  out.push(table(["sessions", "creates/s", "reads/s"], [[String(store.sessions), f(store.createsPerSecond, 0), f(store.readsPerSecond, 0)]]), "");

  const infra = results.infra;
  out.push("## Infra", "");
  out.push(
    table(
      ["what", "value"],
      [
        ["prod program evaluated under mocks", `${f(infra.evaluateMs, 0)} ms (${infra.resources} resources)`],
        ["`npm run plan -- --stack prod --json`, whole process", `${f(infra.processMs, 0)} ms`],
        [`cutover plan (${infra.cutover.description}): changed / added / removed / unchanged`, `${infra.cutover.changed.length} / ${infra.cutover.added.length} / ${infra.cutover.removed.length} / ${infra.cutover.unchanged}`],
        ["changed resources", infra.cutover.changed.join(", ") || "none"],
      ],
    ),
    "",
  );
  out.push(
    "The cutover counts are interim: `npm run plan -- --diff` does not exist yet, so the bench evaluates the prod stack twice under mocks (as committed, and with v1 cut over) and compares the registered inputs of each resource.",
    "",
  );
  out.push("## Reading the figures", "");
  out.push(
    [
      "- **Overhead** is ours minus the floor, both measured in the same run; **peer ÷ ours** above 1 means ours is faster.",
      "- **What ours does that the peers do not:** on Node, 2025-11-25 calls append their SSE event to the session's SQLite log (resumable after a restart) and 2025-11-25 sessions are persisted; `note_add` writes SQLite. The SDK peer with an event store keeps its events in memory (lost on restart); without one it keeps none; both keep sessions and notes in memory. On workerd both ours and McpAgent keep state in Durable Object storage.",
      "- **Why open loop:** the earlier sweep was a closed loop (every session kept one call in flight), so by Little's law a call waited about sessions ÷ throughput: it measured the queue the load generator made, not the server. Agents wait on every call; the open loop offers a rate and measures the wait at it.",
      "- **Cold start** is measured from spawning `node` to the first answered initialize; Node's compile cache (enabled by `npm start`) makes every start after the first faster, and both are shown.",
      "- The machine is shared and has 2 cores: the load generator, the server and its helper threads compete for them, so tail latencies (p99) move more between runs than medians do. Highest rates are those of a server sharing its machine with its load generator.",
    ].join("\n"),
    "",
  );
  out.push("## Plan of this run", "", "```json", JSON.stringify(results.plan, null, 2), "```", "");
  return out.join("\n");
}
