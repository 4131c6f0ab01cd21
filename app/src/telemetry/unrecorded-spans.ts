import type { OpenSpan, SpanBackend, SpanStart } from "./telemetry.ts";
import { newSpanId, newTraceId } from "./trace-context.ts";

/**
 * Spans where nothing collects them (no OTLP endpoint configured): each one
 * is only a context, so the calls it makes still carry a trace, and nothing
 * is recorded. An SDK tracer without an exporter would build, time and drop a
 * full span on every tool call.
 */
export class UnrecordedSpans implements SpanBackend {
  start(start: SpanStart): OpenSpan {
    const parent = start.parent;
    return {
      context: {
        traceId: parent?.traceId ?? newTraceId(),
        spanId: newSpanId(),
        sampled: parent?.sampled ?? true,
        ...(parent?.traceState ? { traceState: parent.traceState } : {}),
        ...(parent?.baggage ? { baggage: parent.baggage } : {}),
      },
      setAttributes: () => undefined,
      fail: () => undefined,
      end: () => undefined,
    };
  }
}
