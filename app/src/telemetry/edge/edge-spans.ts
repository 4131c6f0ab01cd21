/**
 * Spans on the Worker, without an SDK: a span is ids, a name, times and
 * attributes, kept until the tool call's SERVER span ends, then handed to the
 * exporter in one batch. The OpenTelemetry JS SDK would cost the bundle far
 * more than these few lines (measured: docs/telemetry.md, "Where it goes"), and Workers'
 * own tracing cannot take a client's trace id (Cloudflare docs, Workers
 * tracing known limitations: no trace context propagation).
 */
import { MCP_ATTRIBUTES } from "../conventions.ts";
import type { FinishedSpan } from "../otlp-json.ts";
import type { OpenSpan, SpanBackend, SpanStart } from "../telemetry.ts";
import { newSpanId, newTraceId } from "../trace-context.ts";

export class EdgeSpans implements SpanBackend {
  readonly #pending: FinishedSpan[] = [];
  readonly #flush: (spans: FinishedSpan[]) => void;
  readonly #now: () => number;

  /** `flush` receives each finished call's spans; it must not block (the exporter sends them in the background). */
  constructor(flush: (spans: FinishedSpan[]) => void, now: () => number = Date.now) {
    this.#flush = flush;
    this.#now = now;
  }

  start(start: SpanStart): OpenSpan {
    const parent = start.parent;
    const span: FinishedSpan = {
      traceId: parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      ...(parent?.traceState ? { traceState: parent.traceState } : {}),
      name: start.name,
      kind: start.kind,
      startMs: this.#now(),
      endMs: 0,
      attributes: { ...start.attributes },
      links: (start.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
    };
    // A caller that did not sample its trace is respected: the span exists for propagation, and is not exported.
    const sampled = parent?.sampled ?? true;
    return {
      context: {
        traceId: span.traceId,
        spanId: span.spanId,
        sampled,
        ...(parent?.traceState ? { traceState: parent.traceState } : {}),
        ...(parent?.baggage ? { baggage: parent.baggage } : {}),
      },
      setAttributes: (attributes) => Object.assign(span.attributes, attributes),
      fail: (errorType, message) => {
        span.attributes[MCP_ATTRIBUTES.errorType] = errorType;
        span.error = message === undefined ? {} : { message };
      },
      end: () => {
        span.endMs = this.#now();
        if (!sampled) return;
        this.#pending.push(span);
        // A call's CLIENT spans end inside its SERVER span: the server span closes the batch.
        if (start.kind === "server") this.#flush(this.#pending.splice(0));
      },
    };
  }
}
