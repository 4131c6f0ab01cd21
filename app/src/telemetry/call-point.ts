/**
 * One Workers Analytics Engine data point per tool call at the edge, and what
 * each of its columns holds. The guard's and `status`'s SQL (stacks/telemetry/)
 * read these same columns, so the layout is written once, here.
 *
 * The index is the sampling key (Cloudflare docs, Analytics Engine SQL API,
 * "Sampling": data is sampled per index value): keyed by API version and
 * color, a canary's few calls are never sampled away because the live color
 * has many.
 */
import { HOSTING_ATTRIBUTES, MCP_ATTRIBUTES } from "./conventions.ts";
import type { CallRecord, CallSink } from "./telemetry.ts";

export const CALL_POINT_COLUMNS = {
  apiVersion: "blob1",
  color: "blob2",
  release: "blob3",
  tool: "blob4",
  /** `ok`, or the call's `error.type` (`tool_error`). */
  status: "blob5",
  method: "blob6",
  protocolVersion: "blob7",
  /** `1` for a call of our own scripted sessions (verify), empty for agents' calls. */
  synthetic: "blob8",
  durationMs: "double1",
} as const;

export const OK_STATUS = "ok";

/** The shape `AnalyticsEngineDataset.writeDataPoint` takes. */
export interface CallPoint {
  indexes: [string];
  blobs: string[];
  doubles: number[];
}

export function callPoint(call: CallRecord): CallPoint {
  const text = (key: string) => String(call.attributes[key] ?? "");
  const apiVersion = text(HOSTING_ATTRIBUTES.apiVersion);
  const color = text(HOSTING_ATTRIBUTES.color);
  return {
    indexes: [`${apiVersion}:${color}`],
    // In column order: blob1 … blob8 (CALL_POINT_COLUMNS).
    blobs: [
      apiVersion,
      color,
      text(HOSTING_ATTRIBUTES.release),
      call.tool,
      call.errorType ?? OK_STATUS,
      text(MCP_ATTRIBUTES.methodName),
      text(MCP_ATTRIBUTES.protocolVersion),
      call.attributes[HOSTING_ATTRIBUTES.synthetic] === true ? "1" : "",
    ],
    doubles: [Math.round(call.durationSeconds * 1e6) / 1e3],
  };
}

/**
 * A quota decision (app/src/server/quotas.ts) as a data point of the same
 * dataset: `blob1` is `quota` where a call's holds its API version, so the
 * guard's and `status`'s queries, which select an API version, never count it
 * as a call. `blob4` is the tool, `blob5` the outcome; no principal or tenant.
 */
export const QUOTA_POINT_INDEX = "quota";

export function quotaPoint(deployment: { release: string; color: string }, tool: string, outcome: string): CallPoint {
  return { indexes: [QUOTA_POINT_INDEX], blobs: [QUOTA_POINT_INDEX, deployment.color, deployment.release, tool, outcome], doubles: [] };
}

/** Writes each call's data point; a write that throws never reaches the call (Analytics Engine writes are fire-and-forget). */
export class CallPoints implements CallSink {
  readonly #write: (point: CallPoint) => void;

  constructor(write: (point: CallPoint) => void) {
    this.#write = write;
  }

  record(call: CallRecord): void {
    this.#write(callPoint(call));
  }
}
