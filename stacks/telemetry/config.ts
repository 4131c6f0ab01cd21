/**
 * The stack's `telemetry` block: where spans go, the Analytics Engine dataset
 * the Workers write to, and the guard's thresholds. The export headers (an
 * API key) are the secret `otlpHeaders`, never here.
 *
 *   mcp-hosting:telemetry:
 *     otlpEndpoint: https://api.honeycomb.io
 *     workersTraceDestinations: [honeycomb-traces]
 *     guard:
 *       maxErrorRateRatio: 3
 */
import * as z from "zod";
import { decimal, httpsUrl, int, pattern, show, strict } from "../rules.ts";
import { DEFAULT_THRESHOLDS } from "./thresholds.ts";

const otlpEndpoint = httpsUrl((value) => `${show(value)} is not a collector URL (expected https://…, the OTLP/HTTP base; spans go to <it>/v1/traces)`);

export const telemetryBlockSchema = strict({
  /**
   * The Workers Analytics Engine dataset every Worker of the stack writes one
   * data point per tool call to; the guard and `status` query it.
   * @default mcp_calls_<stack> (dashes as _)
   */
  dataset: pattern(/^[a-z_][a-z0-9_]{0,63}$/, "a dataset name (expected a-z, 0-9 and _, not starting with a digit)").optional(),
  /** OTLP/HTTP collector of the spans of the Worker, the Fly machines and the Modal apps. */
  otlpEndpoint: otlpEndpoint.optional(),
  /**
   * Workers observability destinations (created in the dashboard or with the
   * API, by name) that Cloudflare exports the Workers' own traces to.
   */
  workersTraceDestinations: z.array(pattern(/^[a-z0-9][a-z0-9-]{0,62}$/, "a destination name (expected a-z, 0-9 and -)")).optional(),
  /** Record tool arguments and results on spans: the conventions' opt-in attributes; they may hold anything a user typed. */
  recordToolContent: z.boolean({ error: (iss) => `${show(iss.input)} is not true or false` }).default(false),
  /** The guard's thresholds (stacks/telemetry/thresholds.ts has the defaults and why). */
  guard: strict({
    minCalls: int(1, 1_000_000).default(DEFAULT_THRESHOLDS.minCalls),
    minLatencyCalls: int(1, 1_000_000).default(DEFAULT_THRESHOLDS.minLatencyCalls),
    maxErrorRateRatio: decimal(1, 100).default(DEFAULT_THRESHOLDS.maxErrorRateRatio),
    errorRateFloor: decimal(0, 1).default(DEFAULT_THRESHOLDS.errorRateFloor),
    maxP95Ratio: decimal(1, 100).default(DEFAULT_THRESHOLDS.maxP95Ratio),
    minP95IncreaseMs: decimal(0, 600_000).default(DEFAULT_THRESHOLDS.minP95IncreaseMs),
    maxToolMixDistance: decimal(0, 1).default(DEFAULT_THRESHOLDS.maxToolMixDistance),
  }).default(DEFAULT_THRESHOLDS),
});

export type TelemetryConfig = z.output<typeof telemetryBlockSchema>;

/** The dataset a stack's Workers write to. */
export function datasetOf(telemetry: TelemetryConfig | undefined, stack: string): string {
  return telemetry?.dataset ?? `mcp_calls_${stack.replace(/[^a-z0-9_]/g, "_")}`;
}
