/**
 * The EdgeWorker's telemetry: the Analytics Engine dataset every version
 * binds as `MCP_CALLS` (app/src/telemetry/call-point.ts writes to it), span
 * export settings, and the Workers observability block that sends
 * Cloudflare's own traces to the stack's destinations (Cloudflare docs,
 * Workers observability, "OpenTelemetry export").
 */
import type * as pulumi from "@pulumi/pulumi";
import { analyticsEngine, type Binding, plain, secretText } from "./worker-bindings.ts";

/** Where both versions' telemetry goes. */
export interface EdgeTelemetryArgs {
  /**
   * The Workers Analytics Engine dataset bound as `MCP_CALLS`: one data point per tool call.
   * @example "mcp_calls_prod"
   */
  dataset: string;
  /** OTLP/HTTP collector of the Worker's spans, bound as `OTEL_EXPORTER_OTLP_ENDPOINT`. @default undefined (spans not exported) @example "https://api.honeycomb.io" */
  otlpEndpoint?: pulumi.Input<string>;
  /** Headers of each export (an API key), bound as secret `OTEL_EXPORTER_OTLP_HEADERS`. @default undefined @example cfg.otlpHeaders */
  otlpHeaders?: pulumi.Input<string>;
  /**
   * Workers observability destinations, by name, that Cloudflare exports the
   * Workers' own traces to (`observability.traces.destinations`).
   * @default [] (Cloudflare's traces are not exported)
   * @example ["honeycomb-traces"]
   */
  traceDestinations?: string[];
  /** Record tool arguments and results on spans, bound as `MCP_TELEMETRY_CONTENT`. @default false @example true */
  recordToolContent?: boolean;
}

/** The bindings every version carries for its telemetry. */
export function telemetryBindings(telemetry: EdgeTelemetryArgs): Binding[] {
  return [
    analyticsEngine("MCP_CALLS", telemetry.dataset),
    ...(telemetry.otlpEndpoint === undefined ? [] : [plain("OTEL_EXPORTER_OTLP_ENDPOINT", telemetry.otlpEndpoint)]),
    ...(telemetry.otlpHeaders === undefined ? [] : [secretText("OTEL_EXPORTER_OTLP_HEADERS", telemetry.otlpHeaders)]),
    ...(telemetry.recordToolContent ? [plain("MCP_TELEMETRY_CONTENT", "1")] : []),
  ];
}

/** The Workers observability block, in the provider's (camelCase) spelling. */
export interface Observability {
  enabled: boolean;
  traces?: { enabled: boolean; destinations: string[] };
}

/** The Worker's observability settings: on, and its traces exported where the stack names destinations. */
export function observabilityOf(telemetry: EdgeTelemetryArgs): Observability {
  const destinations = telemetry.traceDestinations ?? [];
  return { enabled: true, ...(destinations.length > 0 ? { traces: { enabled: true, destinations } } : {}) };
}

/**
 * The same block as a script upload's metadata spells it (snake_case, e.g.
 * `head_sampling_rate`). A non-versioned upload replaces the script's whole
 * observability setting with what it carries, and `cloudflare.Worker` never
 * puts it back while its own inputs are unchanged (terraform-provider-cloudflare
 * internal/services/worker/schema.go: the block is computed-optional and read
 * only on refresh), so an upload must carry exactly the Worker's block.
 */
export function observabilityOnTheWire(observability: Observability): Record<string, unknown> {
  const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  const convert = (value: unknown): unknown =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([key, item]) => [snake(key), convert(item)]))
      : value;
  return convert(observability) as Record<string, unknown>;
}
