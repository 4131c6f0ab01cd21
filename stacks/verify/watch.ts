/**
 * Verification of a deployed endpoint: one scripted session (a smoke test), or
 * sessions one after another for a window, with the error rate and p95 after
 * each. With a traffic guard, every interval also reads the real traffic of
 * the colors and judges the canary by it. A watch stops at the first breach,
 * of either: roll back first, investigate second.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type SourceReading, TrafficGuard } from "../telemetry/traffic-guard.ts";
import { runSession, type SessionOptions, type Step } from "./session.ts";
import { Tally } from "./tally.ts";

export interface WatchOptions extends SessionOptions {
  /** How long to keep running sessions; 0 runs exactly one. @default 0 */
  windowMs?: number;
  /** Pause between sessions. @default 5000 */
  intervalMs?: number;
  /** The highest acceptable share of failed steps. @default 0.01 */
  maxErrorRate?: number;
  /** Called after each session with its steps and the running tally. */
  onSession?: (steps: readonly Step[], tally: Tally, elapsedMs: number) => void;
  /** Judges the canary by real traffic after each session (stacks/telemetry/). */
  traffic?: TrafficGuard;
  /** Called with each reading of real traffic. */
  onReading?: (readings: readonly SourceReading[], elapsedMs: number) => void;
  /** The clock, for tests. @default Date.now */
  now?: () => number;
}

export interface WatchResult {
  tally: Tally;
  breached: boolean;
  /** What breached: the scripted calls' error rate, or what real traffic showed. */
  reason?: string;
  /** Which half breached. */
  cause?: "scripted calls" | "real traffic";
}

export async function watch(url: URL, options: WatchOptions = {}): Promise<WatchResult> {
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? 0;
  const maxErrorRate = options.maxErrorRate ?? 0.01;
  const started = now();
  const tally = new Tally();
  for (;;) {
    const steps = await runSession(url, options);
    tally.add(steps);
    options.onSession?.(steps, tally, now() - started);
    if (tally.errorRate > maxErrorRate) return { tally, breached: true, cause: "scripted calls", reason: `${tally.describe()} crossed the limit ${maxErrorRate}` };
    if (options.traffic) {
      const readings = await options.traffic.read();
      options.onReading?.(readings, now() - started);
      const breaches = TrafficGuard.breaches(readings);
      if (breaches.length > 0) return { tally, breached: true, cause: "real traffic", reason: breaches.join("; ") };
    }
    // The next session starts one interval later, if that is still inside the window.
    const intervalMs = options.intervalMs ?? 5000;
    if (now() + intervalMs - started > windowMs) return { tally, breached: false };
    await sleep(intervalMs);
  }
}
