/** What the bench and its load generator process say to each other over the IPC channel. */
import type { Era, ToolCall } from "../mcp-wire.ts";

/** Where the load goes and what it sends. */
export interface LoadTarget {
  origin: string;
  path: string;
  era: Era;
  call: ToolCall;
  /** 2025-11-25: sessions opened before any timed call, calls spread over them in turn; 2026-07-28: ignored. */
  sessions: number;
  /** Most keep-alive sockets the generator opens (an open loop needs one per call in flight). */
  sockets: number;
}

export interface RungJob {
  ratePerSecond: number;
  durationMs: number;
  seed: number;
  /** A call not answered this long after its scheduled time counts as an error (and the rung ends this long after its last arrival). */
  timeoutMs: number;
}

/** One offered rate, measured. Latencies run from each call's scheduled send time. */
export interface RungResult {
  offeredPerSecond: number;
  /** Calls the schedule held (Poisson: about rate × duration). */
  calls: number;
  /** Successful answers per second, from the first scheduled send to the last answer. */
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Errors by kind: "HTTP 429", "tool error", "network (ECONNRESET)", "timeout". */
  errorKinds: Record<string, number>;
  /** How late the generator sent calls after their scheduled time (its own lag, part of every latency). */
  sendLagP50Ms: number;
  sendLagP99Ms: number;
  /** CPU the generator process used over the rung, in cores. */
  generatorCores: number;
  /** CPU the server process(es) used over the rung, in cores, when the bench could read it. */
  serverCores?: number;
  /** When the rate was run more than once: each run's p99, in the order run (the figures above are the median run's). */
  p99RunsMs?: number[];
}

export type ToGenerator = { kind: "open"; target: LoadTarget } | { kind: "rung"; job: RungJob } | { kind: "close" };

export type FromGenerator = { kind: "opened"; sessions: number; openMs: number } | { kind: "rung"; result: RungResult } | { kind: "failed"; message: string };
