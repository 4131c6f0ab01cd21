/**
 * `mcp.server.operation.duration` on Node: an OpenTelemetry histogram with the
 * conventions' bucket boundaries, read on demand by `/metrics` (a pull
 * reader: Prometheus, and Fly's scraper, come to us every 15 s).
 */
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Histogram } from "@opentelemetry/api";
import { type Deployment, MCP_ATTRIBUTES, OPERATION_DURATION } from "../conventions.ts";
import type { CallRecord, CallSink } from "../telemetry.ts";
import { prometheusText } from "./prometheus-text.ts";

/** A reader that only collects when asked. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export class DurationMetric implements CallSink {
  readonly #reader = new PullReader();
  readonly #histogram: Histogram;

  constructor(deployment: Deployment) {
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": deployment.service, "service.version": deployment.release }),
      readers: [this.#reader],
    });
    this.#histogram = provider.getMeter("mcp-hosting").createHistogram(OPERATION_DURATION.name, {
      unit: OPERATION_DURATION.unit,
      description: OPERATION_DURATION.description,
      advice: { explicitBucketBoundaries: [...OPERATION_DURATION.buckets] },
    });
  }

  record(call: CallRecord): void {
    this.#histogram.record(call.durationSeconds, { ...call.attributes, ...(call.errorType ? { [MCP_ATTRIBUTES.errorType]: call.errorType } : {}) });
  }

  async collect(): Promise<ResourceMetrics> {
    const { resourceMetrics } = await this.#reader.collect();
    return resourceMetrics;
  }

  /** The Prometheus text exposition of everything recorded so far. */
  async exposition(): Promise<string> {
    return prometheusText(await this.collect());
  }
}
