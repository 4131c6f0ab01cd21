/**
 * `mcp.server.operation.duration` on Node: a histogram with the conventions'
 * bucket boundaries, one series per attribute set, read on demand by
 * `/metrics` (a pull: Prometheus, and Fly's scraper, come to us every 15 s).
 * Kept here rather than in the OpenTelemetry metrics SDK: that SDK was the
 * largest module the server loaded at start (about 65 ms of its cold start),
 * and hashed every call's attributes again on record; this needs a bucket
 * search and an add. The text is the Prometheus exposition of an OpenTelemetry
 * histogram (prometheus-text.ts), so dashboards and the guard read the same names.
 */
import { MCP_ATTRIBUTES, OPERATION_DURATION } from "../conventions.ts";
import type { CallRecord, CallSink } from "../telemetry.ts";
import { prometheusText, type HistogramSeries } from "./prometheus-text.ts";

export class DurationMetric implements CallSink {
  readonly #series = new Map<string, HistogramSeries>();
  readonly #boundaries: readonly number[] = OPERATION_DURATION.buckets;

  record(call: CallRecord): void {
    const attributes = call.errorType ? { ...call.attributes, [MCP_ATTRIBUTES.errorType]: call.errorType } : call.attributes;
    // Attribute sets are few (tool × outcome × version × color): the key is their values in insertion order.
    const key = Object.entries(attributes).join("\u0000");
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { attributes: { ...attributes }, counts: new Array<number>(this.#boundaries.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    // Prometheus buckets are upper-inclusive (le): the first boundary at or above the value.
    let bucket = 0;
    while (bucket < this.#boundaries.length && call.durationSeconds > this.#boundaries[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sum += call.durationSeconds;
    series.count++;
  }

  /** The Prometheus text exposition of everything recorded so far. */
  async exposition(): Promise<string> {
    return prometheusText(
      { name: OPERATION_DURATION.name, unit: OPERATION_DURATION.unit, description: OPERATION_DURATION.description, boundaries: this.#boundaries },
      [...this.#series.values()],
    );
  }
}
