/**
 * Finished spans as an OTLP/HTTP JSON export request
 * (opentelemetry-proto, docs/specification.md "JSON Protobuf Encoding": ids
 * as hex strings, 64-bit integers as decimal strings, enums as numbers). The
 * Worker sends this itself; the Node SDK's exporter and the Python runner
 * send the same shape, so one collector reads all three.
 */
import type { AttributeValue, Attributes } from "./telemetry.ts";

export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: "server" | "client";
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
  attributes: Attributes;
  links: { traceId: string; spanId: string }[];
  error?: { message?: string };
}

type OtlpValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function otlpValue(value: AttributeValue): OtlpValue {
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { stringValue: value };
}

export const otlpAttributes = (attributes: Attributes) => Object.entries(attributes).map(([key, value]) => ({ key, value: otlpValue(value) }));

/** Milliseconds since the epoch as OTLP's nanoseconds, a decimal string (exact: no float of 1e18). */
const nanos = (ms: number): string => `${Math.round(ms * 1000)}000`;

const SPAN_KIND = { server: 2, client: 3 } as const;
const STATUS_ERROR = 2;

export function otlpTraceRequest(resource: Attributes, spans: readonly FinishedSpan[]): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: otlpAttributes(resource) },
        scopeSpans: [
          {
            scope: { name: "mcp-hosting" },
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              ...(span.traceState ? { traceState: span.traceState } : {}),
              name: span.name,
              kind: SPAN_KIND[span.kind],
              startTimeUnixNano: nanos(span.startMs),
              endTimeUnixNano: nanos(span.endMs),
              attributes: otlpAttributes(span.attributes),
              links: span.links,
              status: span.error ? { code: STATUS_ERROR, ...(span.error.message ? { message: span.error.message } : {}) } : {},
            })),
          },
        ],
      },
    ],
  };
}
