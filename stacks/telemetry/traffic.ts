/**
 * Real traffic, as the guard and `status` read it: per color, the calls of
 * one API version over a trailing window, how many failed, their p95, and the
 * calls of each tool. Two sources fill it in: Workers Analytics Engine for
 * the edge, Prometheus on Fly.io for the Fly machines.
 */

export interface ColorTraffic {
  calls: number;
  /** Calls with an `error.type` (tool errors included). */
  errors: number;
  /** Undefined when the source has no latency for the color. */
  p95Ms?: number;
  /** Calls per tool. */
  byTool: Record<string, number>;
}

export type TrafficByColor = Record<string, ColorTraffic>;

export interface TrafficSource {
  /** e.g. `edge (Analytics Engine)` */
  readonly name: string;
  /** The traffic of `apiVersion` in the last `windowSeconds`; throws a TelemetryQueryError when it cannot be read. */
  read(apiVersion: string, windowSeconds: number): Promise<TrafficByColor>;
}

/** A query API that failed, timed out or answered something unreadable; the message says which and where. */
export class TelemetryQueryError extends Error {
  override name = "TelemetryQueryError";
}

export const emptyTraffic = (): ColorTraffic => ({ calls: 0, errors: 0, byTool: {} });

/** Adds `calls` of `tool` to a color, counting errors when `failed`. */
export function addCalls(traffic: TrafficByColor, color: string, tool: string, calls: number, failed: boolean): void {
  const entry = (traffic[color] ??= emptyTraffic());
  entry.calls += calls;
  if (failed) entry.errors += calls;
  entry.byTool[tool] = (entry.byTool[tool] ?? 0) + calls;
}

/** A count from a query API: a number, or a decimal string (JSON quotes 64-bit integers). */
export function countOf(value: unknown, what: string): number {
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) throw new TelemetryQueryError(`${what}: expected a number, got ${JSON.stringify(value)}`);
  return number;
}
