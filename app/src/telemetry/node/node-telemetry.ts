/**
 * Telemetry of the Node runtime, assembled: OpenTelemetry spans exported over
 * OTLP/HTTP when an endpoint is configured (otherwise spans are contexts only), the duration histogram that
 * `/metrics` shows, and tracing of the signed calls the edge makes here.
 */
import type { Deployment } from "../conventions.ts";
import { Telemetry } from "../telemetry.ts";
import { DurationMetric } from "./duration-metric.ts";
import type { OtlpSettings } from "./otel-spans.ts";
import { SignedCallTracing } from "./signed-calls.ts";
import { UnrecordedSpans } from "../unrecorded-spans.ts";

export interface NodeTelemetrySettings {
  deployment: Deployment;
  otlp?: OtlpSettings;
  recordContent: boolean;
  log: (line: string) => void;
}

export interface NodeTelemetry {
  telemetry: Telemetry;
  metric: DurationMetric;
  signedCalls: SignedCallTracing;
  /** Exports the spans still queued, within the export timeout. */
  close(): Promise<void>;
}

/** The OpenTelemetry trace SDK and its OTLP exporter are loaded only when spans are exported: they cost the server's start tens of milliseconds. */
export async function createNodeTelemetry(settings: NodeTelemetrySettings, tools: Iterable<string>): Promise<NodeTelemetry> {
  const spans = settings.otlp ? new (await import("./otel-spans.ts")).OtelSpans(settings.deployment, settings.otlp, settings.log) : undefined;
  const metric = new DurationMetric();
  const telemetry = new Telemetry({ spans: spans ?? new UnrecordedSpans(), calls: metric, deployment: settings.deployment, recordContent: settings.recordContent, log: settings.log });
  return { telemetry, metric, signedCalls: new SignedCallTracing(telemetry, tools), close: async () => spans?.close() };
}
