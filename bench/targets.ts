/** The speed targets, judged on one run's figures. Printed as pass or fail; never fails the process. */
import type { SweepRow } from "./concurrency.ts";
import type { ColdStart } from "./cold-start.ts";
import type { InfraFigures } from "./infra.ts";
import type { LatencyRow } from "./latency.ts";

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

export interface Figures {
  latency: LatencyRow[];
  sweep: SweepRow[];
  coldStart: ColdStart;
  infra: InfraFigures;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** Each of our latency rows with the floor and peer measured beside it. */
export function compared(latency: LatencyRow[]) {
  const find = (row: LatencyRow, role: LatencyRow["role"]) =>
    latency.find((other) => other.runtime === row.runtime && other.era === row.era && other.tool === row.tool && other.role === role);
  return latency.filter((row) => row.role === "ours").map((ours) => ({ ours, floor: find(ours, "floor"), peer: find(ours, "peer") }));
}

export function judge(figures: Figures): Verdict[] {
  const rows = compared(figures.latency);
  const node = rows.filter((row) => row.ours.runtime === "node");
  const workerd = rows.filter((row) => row.ours.runtime === "workerd");
  const verdicts: Verdict[] = [];
  const worst = <T>(items: T[], score: (item: T) => number) => items.reduce((a, b) => (score(b) > score(a) ? b : a));
  const name = (row: { ours: LatencyRow }) => `${row.ours.tool} @ ${row.ours.era}`;

  const p50Gap = (row: (typeof rows)[number]) => row.ours.latency.p50 - (row.floor?.latency.p50 ?? Number.NaN);
  const p99Gap = (row: (typeof rows)[number]) => row.ours.latency.p99 - (row.floor?.latency.p99 ?? Number.NaN);
  if (node.length > 0) {
    const w50 = worst(node, p50Gap);
    verdicts.push({ target: "Node p50 within 0.3 ms of the raw floor", measured: `worst +${ms(p50Gap(w50))} (${name(w50)})`, pass: node.every((row) => p50Gap(row) <= 0.3) });
    const w99 = worst(node, p99Gap);
    verdicts.push({ target: "Node p99 within 1 ms of the raw floor", measured: `worst +${ms(p99Gap(w99))} (${name(w99)})`, pass: node.every((row) => p99Gap(row) <= 1) });
    const speedup = (row: (typeof rows)[number]) => (row.peer?.latency.p50 ?? Number.NaN) / row.ours.latency.p50;
    const slowest = worst(node, (row) => -speedup(row));
    verdicts.push({ target: "Node ≥ 1.5× faster than the SDK peer (p50)", measured: `worst ${speedup(slowest).toFixed(2)}× (${name(slowest)})`, pass: node.every((row) => speedup(row) >= 1.5) });
  }
  if (workerd.length > 0) {
    const w = worst(workerd, p50Gap);
    verdicts.push({ target: "workerd p50 within 1 ms of the raw Worker floor", measured: `worst +${ms(p50Gap(w))} (${name(w)})`, pass: workerd.every((row) => p50Gap(row) <= 1) });
  }
  const thousand = figures.sweep.find((row) => row.sessions === 1000);
  if (thousand) {
    verdicts.push({
      target: "1,000 sessions: 0 errors and p99 ≤ 50 ms",
      measured: `${thousand.errors} errors, p99 ${ms(thousand.p99Ms)}`,
      pass: thousand.errors === 0 && thousand.p99Ms <= 50,
    });
  }
  verdicts.push({ target: "Node cold start ≤ 300 ms", measured: ms(figures.coldStart.nodeMs), pass: figures.coldStart.nodeMs <= 300 });
  verdicts.push({
    target: "Edge bundle ≤ 200 KB gzip",
    measured: `${(figures.coldStart.bundleGzipBytes / 1000).toFixed(1)} KB`,
    pass: figures.coldStart.bundleGzipBytes <= 200_000,
  });
  verdicts.push({ target: "Prod program under mocks ≤ 2 s", measured: ms(figures.infra.evaluateMs), pass: figures.infra.evaluateMs <= 2000 });
  return verdicts;
}
