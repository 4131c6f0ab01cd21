/**
 * Spans on Node, through the OpenTelemetry JS SDK: a tracer provider whose
 * batch processor exports OTLP over HTTP to the configured endpoint. Ending a
 * span only queues it; export runs in the background, bounded in queue size
 * and time, so an unreachable collector never slows or fails a tool call
 * (spans past the queue are dropped).
 */
import { createTraceState, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { type Deployment, HOSTING_ATTRIBUTES, MCP_ATTRIBUTES } from "../conventions.ts";
import type { OpenSpan, SpanBackend, SpanStart } from "../telemetry.ts";
import type { TraceContext } from "../trace-context.ts";

export interface OtlpSettings {
  /** The collector's base URL; spans go to `<endpoint>/v1/traces` (OTLP/HTTP, as OTEL_EXPORTER_OTLP_ENDPOINT). */
  endpoint: string;
  /** Sent with every export, e.g. an API key; never logged. */
  headers: Record<string, string>;
  /** @default 5000 */
  timeoutMs?: number;
}

/** Limits of the export queue: past them spans are dropped, never waited for. */
const QUEUE = { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 1000 } as const;

function otelContext(context: TraceContext, remote: boolean) {
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: remote,
    ...(context.traceState ? { traceState: createTraceState(context.traceState) } : {}),
  };
}

export class OtelSpans implements SpanBackend {
  readonly #tracer: Tracer;
  readonly #provider: BasicTracerProvider;

  constructor(deployment: Deployment, otlp: OtlpSettings | undefined, log: (line: string) => void) {
    const timeoutMs = otlp?.timeoutMs ?? 5000;
    const exporter = otlp === undefined ? undefined : new ReportingExporter(new OTLPTraceExporter({ url: `${otlp.endpoint.replace(/\/$/, "")}/v1/traces`, headers: otlp.headers, timeoutMillis: timeoutMs }), otlp.endpoint, log);
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        "service.name": deployment.service,
        "service.version": deployment.release,
        [HOSTING_ATTRIBUTES.release]: deployment.release,
        [HOSTING_ATTRIBUTES.color]: deployment.color,
      }),
      spanProcessors: exporter ? [new BatchSpanProcessor(exporter, { ...QUEUE, exportTimeoutMillis: timeoutMs })] : [],
    });
    this.#tracer = this.#provider.getTracer("mcp-hosting");
  }

  start(start: SpanStart): OpenSpan {
    const parent = start.parent ? trace.setSpanContext(ROOT_CONTEXT, otelContext(start.parent, start.kind === "server")) : ROOT_CONTEXT;
    const span: Span = this.#tracer.startSpan(
      start.name,
      {
        kind: start.kind === "server" ? SpanKind.SERVER : SpanKind.CLIENT,
        attributes: start.attributes,
        links: (start.links ?? []).map((link) => ({ context: otelContext(link, true) })),
      },
      parent,
    );
    const own = span.spanContext();
    return {
      context: {
        traceId: own.traceId,
        spanId: own.spanId,
        sampled: (own.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
        ...(start.parent?.traceState ? { traceState: start.parent.traceState } : {}),
        ...(start.parent?.baggage ? { baggage: start.parent.baggage } : {}),
      },
      setAttributes: (attributes) => void span.setAttributes(attributes),
      fail: (errorType, message) => {
        span.setAttribute(MCP_ATTRIBUTES.errorType, errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
      },
      end: () => span.end(),
    };
  }

  /** Exports what is queued, within the export timeout; for shutdown. */
  async close(): Promise<void> {
    await this.#provider.shutdown().catch(() => undefined);
  }
}

/**
 * Says when export fails, and when it works again, once each: a collector
 * that is down must be visible in the log without a line per batch.
 */
class ReportingExporter implements SpanExporter {
  #failing = false;
  readonly inner: SpanExporter;
  readonly endpoint: string;
  readonly log: (line: string) => void;

  constructor(inner: SpanExporter, endpoint: string, log: (line: string) => void) {
    this.inner = inner;
    this.endpoint = endpoint;
    this.log = log;
  }

  export(spans: ReadableSpan[], done: (result: { code: number; error?: Error }) => void): void {
    this.inner.export(spans, (result) => {
      const failed = result.code !== 0;
      if (failed && !this.#failing) {
        this.log(`telemetry: cannot export spans to ${this.endpoint} (${result.error?.message ?? "export failed"}); spans are dropped until it answers, tool calls go on`);
      } else if (!failed && this.#failing) {
        this.log(`telemetry: exporting spans to ${this.endpoint} again`);
      }
      this.#failing = failed;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
