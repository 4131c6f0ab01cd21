/**
 * Reading a rate sweep: which rungs pass the latency budget, when to stop
 * climbing, and the highest rate that kept p99 within budget with no errors.
 */
import type { RungResult } from "./protocol.ts";

/** The budget: an agent waits on every call. */
export const P99_BUDGET_MS = 50;

/**
 * The generator's own lag above which a failing rung cannot be pinned on the
 * server, when the rung's p99 less that lag is within budget: a fifth of the
 * budget. Its CPU near one full core means the same. A passing rung passes
 * whatever the lag: the lag is inside every latency, so it can only have made
 * the figures worse.
 */
export const GENERATOR_LAG_LIMIT_MS = 10;
export const GENERATOR_CORE_LIMIT = 0.9;

/** Failing rungs after which a sweep stops climbing (one may be a hiccup of the shared machine). */
export const FAILURES_TO_STOP = 2;

export function generatorBound(rung: RungResult): boolean {
  const lagExplainsOvershoot = rung.sendLagP99Ms > GENERATOR_LAG_LIMIT_MS && rung.p99Ms - rung.sendLagP99Ms <= P99_BUDGET_MS;
  return lagExplainsOvershoot || rung.generatorCores > GENERATOR_CORE_LIMIT;
}

export function rungPasses(rung: RungResult): boolean {
  return rung.errors === 0 && rung.p99Ms <= P99_BUDGET_MS;
}

export function ladderDone(rungs: readonly RungResult[]): boolean {
  return rungs.filter((rung) => !rungPasses(rung)).length >= FAILURES_TO_STOP;
}

export interface HighestRate {
  /** The highest offered rate that passed; undefined when none did. */
  ratePerSecond: number | undefined;
  /** What ended the climb above it: the server, the generator, or the top of the ladder. */
  limitedBy: "server" | "generator" | "ladder";
}

/** The highest passing offered rate. A pass above a failure counts: the failure below it was the machine's, not the server's. */
export function highestPassingRate(rungs: readonly RungResult[]): HighestRate {
  const passing = rungs.filter(rungPasses).map((rung) => rung.offeredPerSecond);
  const ratePerSecond = passing.length === 0 ? undefined : Math.max(...passing);
  const firstFailureAbove = rungs.find((rung) => !rungPasses(rung) && rung.offeredPerSecond > (ratePerSecond ?? 0));
  if (firstFailureAbove === undefined) return { ratePerSecond, limitedBy: "ladder" };
  return { ratePerSecond, limitedBy: generatorBound(firstFailureAbove) ? "generator" : "server" };
}

/**
 * One rung from several runs of the same rate: the run with the median p99
 * stands for it, so one stall of the shared machine (a 70–180 ms pause that
 * hits every server at the same point of a run) does not decide a rate; the
 * errors of every run count, since an error is never noise.
 */
export function combineRuns(runs: readonly RungResult[]): RungResult {
  if (runs.length === 0) throw new Error("a rung needs at least one run");
  if (runs.length === 1) return runs[0]!;
  const median = [...runs].sort((a, b) => a.p99Ms - b.p99Ms)[Math.floor((runs.length - 1) / 2)]!;
  const errorKinds: Record<string, number> = {};
  for (const run of runs) for (const [kind, count] of Object.entries(run.errorKinds)) errorKinds[kind] = (errorKinds[kind] ?? 0) + count;
  return {
    ...median,
    calls: runs.reduce((sum, run) => sum + run.calls, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    errorKinds,
    maxMs: Math.max(...runs.map((run) => run.maxMs)),
    p99RunsMs: runs.map((run) => run.p99Ms),
  };
}
