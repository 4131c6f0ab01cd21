/** The targets, judged on one run's figures. Printed as pass or fail; never fails the process. */
import type { ColdStart } from "./cold-start.ts";
import type { InfraFigures } from "./infra.ts";
import type { LatencyRow } from "./latency.ts";
import { P99_BUDGET_MS } from "./load/ladder.ts";
import type { SweepRow } from "./load/sweep.ts";
import { ERAS, type Era } from "./mcp-wire.ts";

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

export interface Figures {
  latency: LatencyRow[];
  load: SweepRow[];
  coldStart: ColdStart;
  infra: InfraFigures;
}

/** The offered rate and session count of the "1,000 sessions at 1,000 calls/s". */
export const THOUSAND = 1000;

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** Each of our latency rows with the floor and the peers measured beside it. */
export function compared(latency: LatencyRow[]) {
  const find = (row: LatencyRow, role: LatencyRow["role"]) =>
    latency.find((other) => other.runtime === row.runtime && other.era === row.era && other.tool === row.tool && other.role === role);
  return latency
    .filter((row) => row.role === "ours" && row.runtime !== "placement")
    .map((ours) => ({ ours, floor: find(ours, "floor"), peerStore: find(ours, "peer-store"), peer: find(ours, "peer") }));
}

/** A sweep of the load figures. */
export function sweepOf(load: readonly SweepRow[], runtime: string, server: string, era: Era): SweepRow | undefined {
  return load.find((row) => row.runtime === runtime && row.server === server && row.era === era);
}

/** Ours ÷ a peer in highest rate; undefined when either has none. */
export function rateRatio(ours: SweepRow | undefined, peer: SweepRow | undefined): number | undefined {
  const a = ours?.highest.ratePerSecond;
  const b = peer?.highest.ratePerSecond;
  return a === undefined || b === undefined ? undefined : a / b;
}

const worst = <T>(items: T[], score: (item: T) => number) => items.reduce((a, b) => (score(b) > score(a) ? b : a));

function latencyVerdicts(latency: LatencyRow[]): Verdict[] {
  const rows = compared(latency);
  const node = rows.filter((row) => row.ours.runtime === "node");
  const workerd = rows.filter((row) => row.ours.runtime === "workerd");
  const verdicts: Verdict[] = [];
  const name = (row: { ours: LatencyRow }) => `${row.ours.tool} @ ${row.ours.era}`;
  const p50Gap = (row: (typeof rows)[number]) => row.ours.latency.p50 - (row.floor?.latency.p50 ?? Number.NaN);
  const p99Gap = (row: (typeof rows)[number]) => row.ours.latency.p99 - (row.floor?.latency.p99 ?? Number.NaN);
  if (node.length > 0) {
    const versusStore = (row: (typeof rows)[number]) => row.ours.latency.p50 / (row.peerStore?.latency.p50 ?? Number.NaN);
    const slowest = worst(node, versusStore);
    verdicts.push({
      target: "Node p50 no slower than the SDK server with an event store (every tool, both eras)",
      measured: `worst ours ÷ SDK ${versusStore(slowest).toFixed(2)}× (${name(slowest)})`,
      pass: node.every((row) => versusStore(row) <= 1),
    });
    const w99 = worst(node, p99Gap);
    verdicts.push({ target: "Node p99 within 1 ms of the raw floor", measured: `worst +${ms(p99Gap(w99))} (${name(w99)})`, pass: node.every((row) => p99Gap(row) <= 1) });
  }
  if (workerd.length > 0) {
    const w = worst(workerd, p50Gap);
    verdicts.push({ target: "workerd p50 within 1 ms of the raw Worker floor (every tool, both eras)", measured: `worst +${ms(p50Gap(w))} (${name(w)})`, pass: workerd.every((row) => p50Gap(row) <= 1) });
  }
  return verdicts;
}

function loadVerdicts(load: readonly SweepRow[]): Verdict[] {
  if (load.length === 0) return [];
  const rate = (row: SweepRow | undefined) => (row?.highest.ratePerSecond === undefined ? "none" : `${row.highest.ratePerSecond}/s`);
  const ratio = (value: number | undefined) => (value === undefined ? "–" : `${value.toFixed(2)}×`);
  const perEra = ERAS.map((era) => {
    const ours = sweepOf(load, "node", "ours", era);
    const store = sweepOf(load, "node", "sdk + event store", era);
    // 2026-07-28 has no sessions: the SDK server without a store serves it with the same code.
    const plain = sweepOf(load, "node", "sdk", era) ?? store;
    return { era, ours, store, plain, ratio: rateRatio(ours, store) };
  });
  const verdicts: Verdict[] = [
    {
      target: `Node highest rate at p99 ≤ ${P99_BUDGET_MS} ms ≥ 1.5× the SDK server's (with event store; each era)`,
      measured: perEra
        .map(({ era, ours, store, plain, ratio: r }) => `${era}: ${rate(ours)} vs ${rate(store)} = ${ratio(r)} (no store: ${ratio(rateRatio(ours, plain))})`)
        .join("; "),
      pass: perEra.every(({ ratio: r }) => r !== undefined && r >= 1.5),
    },
  ];
  const sessions = sweepOf(load, "node", "ours", "2025-11-25");
  if (sessions !== undefined) {
    const rung = sessions.rungs.find((r) => r.offeredPerSecond === THOUSAND);
    verdicts.push({
      target: `${THOUSAND.toLocaleString("en-US")} sessions at an offered ${THOUSAND.toLocaleString("en-US")} calls/s on one Node process: 0 errors, p99 ≤ ${P99_BUDGET_MS} ms`,
      measured:
        rung === undefined
          ? `not reached (the sweep stopped at ${sessions.rungs.at(-1)?.offeredPerSecond ?? 0}/s)`
          : `${sessions.sessions} sessions: ${rung.errors} errors, p99 ${ms(rung.p99Ms)}, achieved ${rung.achievedPerSecond.toFixed(0)}/s`,
      pass: rung !== undefined && sessions.sessions >= THOUSAND && rung.errors === 0 && rung.p99Ms <= P99_BUDGET_MS,
    });
  }
  return verdicts;
}

export function judge(figures: Figures): Verdict[] {
  const verdicts = [...latencyVerdicts(figures.latency), ...loadVerdicts(figures.load)];
  verdicts.push({ target: "Node cold start ≤ 300 ms", measured: ms(figures.coldStart.nodeMs), pass: figures.coldStart.nodeMs <= 300 });
  verdicts.push({
    target: "Edge bundle ≤ 200 KB gzip",
    measured: `${(figures.coldStart.bundleGzipBytes / 1000).toFixed(1)} KB`,
    pass: figures.coldStart.bundleGzipBytes <= 200_000,
  });
  verdicts.push({ target: "Prod program under mocks ≤ 2 s", measured: ms(figures.infra.evaluateMs), pass: figures.infra.evaluateMs <= 2000 });
  return verdicts;
}
