/**
 * One rate sweep: a target's sessions opened once by a generator process,
 * then the ladder of offered rates climbed rung by rung (warm-up first, a
 * pause between rungs) until it ends or two rungs fail.
 */
import type { Era, ToolCall } from "../mcp-wire.ts";
import { combineRuns, highestPassingRate, ladderDone, type HighestRate } from "./ladder.ts";
import { LoadGenerator } from "./load-generator.ts";
import { cpuMeter } from "./process-cpu.ts";
import type { RungResult } from "./protocol.ts";

export interface SweepPlan {
  /** Offered rates, calls per second, ascending. */
  ladder: readonly number[];
  rungMs: number;
  /** Untimed calls at the ladder's first rate before the first rung (JIT, caches, sockets). */
  warmupMs: number;
  /** 2025-11-25 sessions. */
  sessions: number;
  timeoutMs: number;
  /** Quiet time between rungs, for the server to finish what a failing rung left it. */
  pauseMs: number;
  /** Runs of each rate; the rung is their median run (ladder.ts combineRuns). @default 1 */
  repeats?: number;
}

/** A server under load, as the sweep reaches it. */
export interface SweepSubject {
  runtime: "node" | "workerd";
  /** "ours", "sdk + event store", "sdk", "McpAgent". */
  server: string;
  origin: string;
  path: string;
  /** The server's processes, for its CPU per rung. */
  pids: readonly number[];
}

export interface SweepRow {
  runtime: SweepSubject["runtime"];
  server: string;
  era: Era;
  tool: string;
  sessions: number;
  openMs: number;
  rungs: RungResult[];
  highest: HighestRate;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function sweepRates(subject: SweepSubject, era: Era, call: ToolCall, plan: SweepPlan, log: (line: string) => void = () => undefined): Promise<SweepRow> {
  const sessions = era === "2025-11-25" ? plan.sessions : 0;
  const { generator, openMs } = await LoadGenerator.open({
    origin: subject.origin,
    path: subject.path,
    era,
    call,
    sessions,
    // One socket per call in flight: at the top rung and the timeout, a server that stalls could have this many out.
    sockets: Math.max(1000, sessions),
  });
  try {
    const first = plan.ladder[0]!;
    await generator.rung({ ratePerSecond: first, durationMs: plan.warmupMs, seed: 1, timeoutMs: plan.timeoutMs });
    const rungs: RungResult[] = [];
    for (const [index, ratePerSecond] of plan.ladder.entries()) {
      const runs: RungResult[] = [];
      for (let repeat = 0; repeat < (plan.repeats ?? 1); repeat++) {
        await pause(plan.pauseMs);
        const serverCores = cpuMeter(subject.pids);
        // The seed depends on the rung and the repeat only: every target is offered the same schedules at the same rate.
        const result = await generator.rung({ ratePerSecond, durationMs: plan.rungMs, seed: 1000 + 10 * index + repeat, timeoutMs: plan.timeoutMs });
        const cores = serverCores();
        runs.push(cores === undefined ? result : { ...result, serverCores: cores });
        log(`  ${subject.runtime} ${subject.server} ${era} ${call.tool} @ ${ratePerSecond}/s: p50 ${result.p50Ms.toFixed(2)} p99 ${result.p99Ms.toFixed(2)} ms, ${result.errors} errors, lag p99 ${result.sendLagP99Ms.toFixed(2)} ms`);
      }
      rungs.push(combineRuns(runs));
      if (ladderDone(rungs)) break;
    }
    return { runtime: subject.runtime, server: subject.server, era, tool: call.tool, sessions, openMs, rungs, highest: highestPassingRate(rungs) };
  } finally {
    await generator.close();
  }
}
