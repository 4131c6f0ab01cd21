/**
 * A local OTLP/HTTP trace receiver: it keeps what the Worker, the Node
 * service and the Python runner export (`POST /v1/traces`, JSON encoding) and
 * draws a trace as a tree, each span with the service that made it. For
 * `npm run dev:edge` and the tests; in the cloud a real collector takes its place.
 */

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: "server" | "client" | "internal";
  service: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  error?: string;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

const KINDS: Record<number, CollectedSpan["kind"]> = { 1: "internal", 2: "server", 3: "client" };

function valueOf(value: AnyValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue ?? "";
}

const attributesOf = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map(({ key, value }) => [key, valueOf(value)]));

/** OTLP JSON ids are hex; a base64 id (some encoders) is turned into hex. */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, "base64").toString("hex");
}

function nanosOf(value: unknown): bigint {
  if (typeof value === "string" || typeof value === "number") return BigInt(value);
  const { low = 0, high = 0 } = (value ?? {}) as { low?: number; high?: number };
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

export class TraceCollector {
  readonly spans: CollectedSpan[] = [];

  /** Takes one OTLP/HTTP JSON export request body; returns how many spans it held. */
  accept(body: unknown): number {
    const request = body as { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
    let count = 0;
    for (const resourceSpans of request.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"] ?? "unknown");
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const status = span.status as { code?: number; message?: string } | undefined;
          const parent = hexId(span.parentSpanId as string | undefined);
          this.spans.push({
            traceId: hexId(span.traceId as string)!,
            spanId: hexId(span.spanId as string)!,
            ...(parent ? { parentSpanId: parent } : {}),
            name: String(span.name),
            kind: KINDS[Number(span.kind)] ?? "internal",
            service,
            startNs: nanosOf(span.startTimeUnixNano),
            endNs: nanosOf(span.endTimeUnixNano),
            attributes: attributesOf(span.attributes as KeyValue[]),
            ...(status?.code === 2 ? { error: status.message ?? "error" } : {}),
          });
          count += 1;
        }
      }
    }
    return count;
  }

  trace(traceId: string): CollectedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId).sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  }

  /**
   * The trace as an indented tree: name, kind, service, duration and the
   * attributes that say what ran where. A span whose parent was not
   * collected (the client's own) is a root.
   */
  render(traceId: string, keys: readonly string[] = ["gen_ai.tool.name", "mcp_hosting.color", "mcp_hosting.release", "error.type"]): string {
    const spans = this.trace(traceId);
    const ids = new Set(spans.map((span) => span.spanId));
    const lines = [`trace ${traceId}`];
    const draw = (parent: string | undefined, depth: number) => {
      for (const span of spans.filter((s) => (parent === undefined ? !s.parentSpanId || !ids.has(s.parentSpanId) : s.parentSpanId === parent))) {
        const ms = Number(span.endNs - span.startNs) / 1e6;
        const detail = keys.filter((key) => span.attributes[key] !== undefined).map((key) => `${key}=${span.attributes[key]}`);
        const from = parent === undefined && span.parentSpanId ? ` parent=${span.parentSpanId} (the client's)` : "";
        lines.push(`${"  ".repeat(depth + 1)}${span.name} [${span.kind}] ${span.service} ${ms.toFixed(1)} ms span=${span.spanId}${from}${detail.length ? ` ${detail.join(" ")}` : ""}`);
        draw(span.spanId, depth + 1);
      }
    };
    draw(undefined, 0);
    return lines.join("\n");
  }
}
