/**
 * The real-traffic flags `verify` and `cutover --guard` share, and what they
 * make: a TrafficGuard over the stack's sources (or a local run's), the
 * colors to compare, the trailing window, and the printing of each reading.
 *
 *   --telemetry <url>         read a local run's telemetry store instead of the cloud
 *   --live <c> --canary <c>   the colors to compare (local runs; a stack's come from its file)
 *   --traffic-window <d>      the trailing window each reading covers (default: the watch, at least 5m)
 *   --min-calls <n>           calls each color needs before it is judged (default: the stack's guard.minCalls)
 */
import { UsageError, parseDuration } from "../cli.ts";
import type { StackConfig } from "../schema.ts";
import type { Colors } from "./canary-judge.ts";
import { localSources, stackSources } from "./sources.ts";
import { DEFAULT_THRESHOLDS } from "./thresholds.ts";
import { describe, type SourceReading, TrafficGuard } from "./traffic-guard.ts";

export const TRAFFIC_FLAGS = {
  telemetry: { type: "string" },
  "traffic-window": { type: "string" },
  "min-calls": { type: "string" },
} as const;

/** `verify` only: `cutover` knows its colors, and its --canary is a share. */
export const COLOR_FLAGS = { live: { type: "string" }, canary: { type: "string" } } as const;

export const TRAFFIC_USAGE = "[--telemetry <url>] [--traffic-window <duration>] [--min-calls <n>]";
export const COLOR_USAGE = "[--live <color> --canary <color>]";

export interface TrafficFlagValues {
  telemetry?: string | undefined;
  live?: string | undefined;
  canary?: string | undefined;
  "traffic-window"?: string | undefined;
  "min-calls"?: string | undefined;
}

const MIN_WINDOW_MS = 5 * 60_000;

/** A guard for one API version, or undefined when neither a stack nor a local store says where traffic is. */
export function trafficGuardFrom(
  values: TrafficFlagValues,
  context: { apiVersion: string; watchMs: number; stack?: { name: string; config: StackConfig; colors: Colors } },
): TrafficGuard | undefined {
  const windowMs = values["traffic-window"] === undefined ? Math.max(context.watchMs, MIN_WINDOW_MS) : parseDuration(values["traffic-window"], "--traffic-window");
  const thresholds = { ...DEFAULT_THRESHOLDS, ...context.stack?.config.telemetry?.guard };
  if (values["min-calls"] !== undefined) {
    const min = Number(values["min-calls"]);
    if (!Number.isInteger(min) || min < 1) throw new UsageError(`--min-calls: ${values["min-calls"]} is not a number of calls (expected a whole number from 1)`);
    Object.assign(thresholds, { minCalls: min, minLatencyCalls: Math.min(min, thresholds.minLatencyCalls) });
  }
  let colors = context.stack?.colors;
  if (values.live !== undefined || values.canary !== undefined) {
    if (!values.live || !values.canary) throw new UsageError("--live and --canary go together: name both colors to compare");
    colors = { baseline: values.live, candidate: values.canary };
  }
  if (values.telemetry !== undefined) {
    if (colors === undefined) throw new UsageError("--telemetry: name the colors to compare (--live <color> --canary <color>)");
    return new TrafficGuard({ ...localSources(values.telemetry), apiVersion: context.apiVersion, colors, windowSeconds: windowMs / 1000, thresholds });
  }
  if (context.stack === undefined || colors === undefined) return undefined;
  return new TrafficGuard({ ...stackSources(context.stack.config, context.stack.name), apiVersion: context.apiVersion, colors, windowSeconds: windowMs / 1000, thresholds });
}

/** Prints a reading of a source when it says something new, so a 15-minute watch is not 180 identical lines. */
export function readingPrinter(log: (line: string) => void): (readings: readonly SourceReading[], elapsedMs: number) => void {
  const last = new Map<string, string>();
  return (readings, elapsedMs) => {
    for (const reading of readings) {
      const line = describe(reading);
      if (last.get(reading.source) === line) continue;
      last.set(reading.source, line);
      log(`[${(elapsedMs / 1000).toFixed(1)}s] real traffic, ${reading.source}: ${line}`);
    }
  };
}

/** The first line of a watch's report: what is compared, over which window, from where. */
export function describeGuard(guard: TrafficGuard): string {
  const { colors, windowSeconds, sources, unavailable, thresholds } = guard.options;
  const from = [...sources.map((source) => source.name), ...unavailable.map((entry) => `${entry.source} (unavailable)`)].join(", ");
  return `real traffic: ${colors.candidate} judged against ${colors.baseline} over the last ${Math.round(windowSeconds)} s, from ${from}; each color needs ${thresholds.minCalls} calls`;
}
