/** The load and placement sections of the report: rate sweeps, highest rates and their cost, hop overheads. */
import { priceBook } from "../stacks/cost/price-book.ts";
import type { LatencyRow } from "./latency.ts";
import { costPerMillionCalls, flySharedCpuUsdPerSecond, workersRequestUsdPerMillion } from "./load/cost.ts";
import { generatorBound, GENERATOR_LAG_LIMIT_MS, P99_BUDGET_MS, rungPasses } from "./load/ladder.ts";
import type { RungResult } from "./load/protocol.ts";
import type { SweepRow } from "./load/sweep.ts";
import { f, table } from "./markdown.ts";
import { COLD_FIRST_CALL, OWN_FUNCTION, PAST_THE_HOST, placementOf, SEED_FIGURES } from "./placement.ts";
import { rateRatio, sweepOf } from "./targets.ts";

function rungVerdict(rung: RungResult): string {
  if (rungPasses(rung)) return "pass";
  const why = [rung.p99Ms > P99_BUDGET_MS ? `p99 > ${P99_BUDGET_MS} ms` : "", rung.errors > 0 ? "errors" : ""].filter(Boolean).join(", ");
  return `**fail** (${why}${generatorBound(rung) ? "; generator-bound" : ""})`;
}

const errorsOf = (rung: RungResult) =>
  rung.errors === 0 ? "0" : `${rung.errors} (${Object.entries(rung.errorKinds).map(([kind, count]) => `${kind} ×${count}`).join(", ")})`;

const sweepTitle = (row: SweepRow) =>
  `${row.runtime} · ${row.server} · ${row.era} · \`${row.tool}\`${row.era === "2025-11-25" ? ` over ${row.sessions.toLocaleString("en-US")} sessions (opened in ${f(row.openMs, 0)} ms)` : ", stateless calls"}`;

export function renderSweeps(load: readonly SweepRow[]): string[] {
  const out: string[] = [];
  for (const row of load) {
    out.push(`### ${sweepTitle(row)}`, "");
    out.push(
      table(
        ["offered/s", "calls", "achieved/s", "p50 (ms)", "p99 (ms)", "max (ms)", "errors", "send lag p50 / p99 (ms)", "generator cores", "server cores", "rung"],
        row.rungs.map((rung) => [
          String(rung.offeredPerSecond),
          String(rung.calls),
          f(rung.achievedPerSecond, 0),
          f(rung.p50Ms),
          rung.p99RunsMs === undefined ? f(rung.p99Ms) : `${f(rung.p99Ms)} (runs ${rung.p99RunsMs.map((p99) => f(p99, 1)).join(" / ")})`,
          f(rung.maxMs, 0),
          errorsOf(rung),
          `${f(rung.sendLagP50Ms)} / ${f(rung.sendLagP99Ms)}`,
          f(rung.generatorCores),
          f(rung.serverCores),
          rungVerdict(rung),
        ]),
      ),
      "",
    );
  }
  return out;
}

export function renderHighestRates(load: readonly SweepRow[]): string[] {
  const book = priceBook();
  const usdPerSecond = flySharedCpuUsdPerSecond(book);
  const rows = load.map((row) => {
    const rate = row.highest.ratePerSecond;
    const atRate = row.rungs.find((rung) => rung.offeredPerSecond === rate);
    const store = sweepOf(load, row.runtime, row.runtime === "node" ? "sdk + event store" : "McpAgent", row.era);
    const ratio = row.server === "ours" ? rateRatio(row, store) : undefined;
    return [
      row.runtime,
      row.server,
      row.era,
      rate === undefined ? "none" : `${rate}/s`,
      row.highest.limitedBy === "ladder" ? "top of the ladder (≥)" : row.highest.limitedBy,
      f(atRate?.serverCores),
      rate === undefined ? "–" : `$${costPerMillionCalls(rate, usdPerSecond).toFixed(5)}${row.runtime === "workerd" ? " (if run on Fly)" : ""}`,
      ratio === undefined ? "–" : `${f(ratio)}× ${row.runtime === "node" ? "SDK + event store" : "McpAgent"}`,
    ];
  });
  return [
    table(["runtime", "server", "era", `highest rate, p99 ≤ ${P99_BUDGET_MS} ms and 0 errors`, "what stopped the climb", "server cores at that rate", "USD per million calls on a Fly shared-cpu-1x", "ours ÷ peer"], rows),
    "",
    `Cost per million calls = the price of one Fly shared vCPU-second (\`flySharedCpu\` in stacks/cost/prices.json, $${usdPerSecond.toFixed(8)} per second, the price \`npm run cost\` charges) ÷ the highest rate × 1,000,000, taking one server process as one core (its measured cores are shown beside it). ` +
      "A shared-cpu-1x is entitled to a fraction of a core sustained and bursts above it, so these are floors for a machine kept busy, not quotes. " +
      `The workerd rows use the same arithmetic for comparison; on Workers a call is billed per request, not per core: a Worker request and a Durable Object request, $${workersRequestUsdPerMillion(book).toFixed(2)} per million from the same prices file, CPU time and Durable Object duration on top.`,
    "",
  ];
}

export function renderPlacement(placement: readonly LatencyRow[]): string[] {
  const viaEdge = placement.filter((row) => row.role === "ours");
  const cold = viaEdge.find((row) => row.label === COLD_FIRST_CALL);
  const edgeOnly = (era: string) => viaEdge.find((row) => row.era === era && placementOf(row.tool) === "edge");
  const backend = (tool: string) => placement.find((row) => row.role === "backend" && row.tool === tool && !row.label.includes(PAST_THE_HOST));
  const pastHost = (tool: string) => placement.find((row) => row.role === "backend" && row.tool === tool && row.label.includes(PAST_THE_HOST));
  const rows = viaEdge.filter((row) => row !== cold).map((row) => {
    const place = placementOf(row.tool);
    const seed = SEED_FIGURES[place];
    const base = edgeOnly(row.era);
    const direct = backend(row.tool);
    const inner = pastHost(row.tool);
    const hop = place === "edge" || base === undefined ? undefined : { p50: row.latency.p50 - base.latency.p50, p99: row.latency.p99 - base.latency.p99 };
    return [
      place === "edge" ? "edge only" : `edge → ${place === "fly" ? "Fly" : "Modal runner"}`,
      row.era,
      row.tool === OWN_FUNCTION.tool ? `\`${row.tool}\` (own Function; PyTorch on this CPU)` : `\`${row.tool}\``,
      f(row.latency.p50),
      f(row.latency.p99),
      hop ? `+${f(hop.p50)} / +${f(hop.p99)}` : "–",
      direct ? `${f(direct.latency.p50)} / ${f(direct.latency.p99)}` : "–",
      direct && inner ? `${f(inner.latency.p50)} / ${f(inner.latency.p99)} (host +${f(direct.latency.p50 - inner.latency.p50)})` : "–",
      `${seed.platform} ${seed.lowMs}–${seed.highMs} ms`,
      String(row.errors + (direct?.errors ?? 0) + (inner?.errors ?? 0)),
    ];
  });
  return [
    table(["placement", "era", "tool", "through the edge p50 (ms)", "p99 (ms)", "hop overhead p50 / p99 (ms)", "signed call straight to the backend p50 / p99 (ms)", "past the Fly release host p50 / p99 (ms)", "seed figure", "errors"], rows),
    "",
    ...(cold ? [`\`csv_cluster\`'s cold start on this machine: its first call through the edge, which imports torch in the compute runner, took ${f(cold.latency.p50, 0)} ms (${cold.errors === 0 ? "answered" : "FAILED"}); on Modal, its Function's memory snapshot holds torch already imported (docs/modal.md).`, ""] : []),
    "Our Worker under workerd (Miniflare) with `FLY_ORIGIN` set to the release host in front of our Node server, as a Fly machine runs it, and `MODAL_URL` to the local Python compute runner (`app/modal/local_server.py`), calls signed with a shared `MCP_UPSTREAM_SECRET`, one call in flight. " +
      "The Fly row's straight call is also sent to the release's own server past the host; the difference is what the host's routing costs. " +
      "Hop overhead is the placement's tool through the edge minus `echo` through the edge in the same era; the straight call is the signed request the edge makes, sent from the bench. " +
      "Loopback has no network: a local hop is the cost of the code on both ends (signing, verifying, a second HTTP exchange, the backend's work), which is what the seed's per-platform figures leave for the network when read against them.",
    "",
  ];
}

export const LOAD_METHOD = [
  `- **Open loop, own process.** The load generator (\`bench/load/generator.ts\`) is a Node process of its own, forked by the bench; the server under load is another process (workerd for the Worker). It sends calls at the times of a seeded Poisson schedule (the same for every server at a given rate), each at its time whether or not earlier calls were answered. 1,000 agents calling independently add up to Poisson arrivals, bursts included; evenly spaced calls would hide the queueing bursts cause.`,
  "- **Our generator, not autocannon.** autocannon (9.0.0 in the registry) keeps each connection a closed loop (the next request leaves when the previous one is answered), rate-limits per connection per second in bursts, corrects coordinated omission afterwards from an assumed interval, and restarts its request sequence (context reset) on every loop, so it cannot open 1,000 MCP sessions once and then call them at one total rate. The generator is under 200 lines and sends the bytes the SDK clients send (`bench/mcp-wire.ts`).",
  "- **No coordinated omission.** Each call's latency runs from its scheduled send time, not from when it left: when the server falls behind, the wait of every later call is counted. The generator's own lateness (send lag) is inside those latencies and shown per rung, with its CPU.",
  `- **Generator-bound rungs.** A failing rung whose send lag p99 exceeded ${GENERATOR_LAG_LIMIT_MS} ms (a fifth of the budget) while its p99 less that lag was within budget, or whose generator used more than 0.9 of a core, is marked generator-bound: that failure is not pinned on the server, and the highest rate names the generator as what stopped the climb. A passing rung passes whatever its lag, since the lag only made its figures worse. Node's timers fire with 1 ms granularity, so a call leaves up to about 1 ms late; sub-millisecond comparisons belong to the one-in-flight table.`,
  `- **The ladder.** Warm-up at the first rate (not reported), then each rate for the plan's rung length with a pause between, run the plan's number of times (a full run: three) with the median run by p99 standing for the rate and the other runs' p99 shown beside it, so that one stall of the shared machine does not decide a rate; a call unanswered after the plan's timeout is an error; a sweep stops at its second failing rung. The highest rate is the highest rung with p99 ≤ ${P99_BUDGET_MS} ms and no errors. 2025-11-25 calls go round-robin over sessions opened before timing; 2026-07-28 calls are stateless. Server cores are the server processes' CPU time over the rung (from /proc).`,
  "- **Peers.** On Node the plain SDK server as its examples write it (`bench/servers/node-peer.ts`), once with the SDK's `InMemoryEventStore` (resumable streams, as ours has) and once without; 2026-07-28 has no sessions, so both serve it with the same code and it is swept once. On workerd Cloudflare's `McpAgent` (`bench/servers/workerd-peer.ts`), 2025-11-25 only. The Worker's 2026-07-28 calls count against one principal's rate limit, lifted to its maximum (100,000 a minute) for the bench; an `HTTP 429` in a sweep is that limit.",
].join("\n");
