/**
 * W3C Trace Context and Baggage, read and written by hand: the Worker cannot
 * afford the OpenTelemetry SDK's propagators, and reading them ourselves lets a
 * malformed value be refused with one log line instead of silently.
 *
 * - traceparent: https://www.w3.org/TR/trace-context/#traceparent-header
 * - tracestate:  https://www.w3.org/TR/trace-context/#tracestate-header
 * - baggage:     https://www.w3.org/TR/baggage/
 * - MCP carries them in `params._meta` (SEP-414; docs/gen-ai/mcp.md, "Context propagation").
 */

export interface TraceContext {
  /** 32 lowercase hex characters, not all zero. */
  traceId: string;
  /** 16 lowercase hex characters, not all zero: the parent span. */
  spanId: string;
  /** Bit 0 set: the caller sampled this trace. */
  sampled: boolean;
  /** The vendor list, passed on as received. */
  traceState?: string;
  /** W3C baggage, passed on with our entries set. */
  baggage?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
/** §3.3.1.1: a tracestate longer than this may be dropped; we drop it rather than pass on something odd. */
const MAX_TRACESTATE = 512;
/** W3C Baggage §3.3.2: limits a platform must at least propagate. */
const MAX_BAGGAGE = 8192;

/** Parses a traceparent header value; `undefined` for anything the spec says to ignore. */
export function parseTraceparent(value: string): Pick<TraceContext, "traceId" | "spanId" | "sampled"> | undefined {
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is invalid; version 00 has nothing after the flags; a later version may append fields.
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(context: Pick<TraceContext, "traceId" | "spanId" | "sampled">): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;
}

/** Random bytes are drawn a pool at a time: one `getRandomValues` per id showed in the profile of every call. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = new Uint8Array(0);
let randomOffset = 0;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = crypto.getRandomValues(new Uint8Array(RANDOM_POOL_BYTES));
    randomOffset = 0;
  }
  let hex = "";
  let zero = true;
  for (let i = randomOffset; i < randomOffset + bytes; i++) {
    hex += HEX[randomPool[i]!];
    if (randomPool[i] !== 0) zero = false;
  }
  randomOffset += bytes;
  // All zeros is the W3C invalid id.
  return zero ? randomHex(bytes) : hex;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/** A header value we pass on: printable ASCII, no longer than `max`. */
function headerText(value: unknown, max: number): string | undefined {
  return typeof value === "string" && value.length <= max && /^[\x20-\x7e]*$/.test(value) && value.trim() !== "" ? value : undefined;
}

/** The trace context carried by `params._meta` (SEP-414), where the conventions look first. */
export function contextFromMeta(meta: Record<string, unknown> | undefined, onMalformed: (where: string, value: string) => void): TraceContext | undefined {
  return readContext("params._meta.traceparent", meta?.traceparent, meta?.tracestate, meta?.baggage, onMalformed);
}

/** The trace context of an HTTP request's headers (W3C Trace Context over HTTP). */
export function contextFromHeaders(headers: Headers | undefined, onMalformed: (where: string, value: string) => void): TraceContext | undefined {
  if (headers === undefined) return undefined;
  return readContext("the traceparent header", headers.get("traceparent") ?? undefined, headers.get("tracestate"), headers.get("baggage"), onMalformed);
}

/** A malformed traceparent is ignored (the call still runs, in a new trace) and reported to `onMalformed`. */
function readContext(
  where: string,
  traceparent: unknown,
  tracestate: unknown,
  baggage: unknown,
  onMalformed: (where: string, value: string) => void,
): TraceContext | undefined {
  if (traceparent === undefined || traceparent === null) return undefined;
  const parsed = typeof traceparent === "string" ? parseTraceparent(traceparent) : undefined;
  if (parsed === undefined) {
    onMalformed(where, typeof traceparent === "string" ? traceparent : JSON.stringify(traceparent));
    return undefined;
  }
  const traceState = headerText(tracestate, MAX_TRACESTATE);
  const entries = headerText(baggage, MAX_BAGGAGE);
  return { ...parsed, ...(traceState ? { traceState } : {}), ...(entries ? { baggage: entries } : {}) };
}

/** The value of one baggage entry, percent-decoded; `undefined` when absent or not decodable. */
export function baggageEntry(baggage: string | undefined, key: string): string | undefined {
  for (const member of (baggage ?? "").split(",")) {
    const [pair] = member.split(";");
    const equals = pair?.indexOf("=") ?? -1;
    if (pair === undefined || equals < 0 || pair.slice(0, equals).trim() !== key) continue;
    try {
      return decodeURIComponent(pair.slice(equals + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `baggage` with `entries` set (replacing members of the same key), ours first. */
export function withBaggage(baggage: string | undefined, entries: Record<string, string>): string {
  const ours = Object.entries(entries).map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
  const theirs = (baggage ?? "")
    .split(",")
    .filter((member) => member.trim() !== "" && !(member.split("=")[0]!.trim() in entries));
  return [...ours, ...theirs].join(",");
}

/**
 * The propagation headers of a call made inside a span: its traceparent, the
 * tracestate as received, and the baggage with the deployment's entries.
 */
export function propagationHeaders(context: TraceContext): Record<string, string> {
  return {
    traceparent: formatTraceparent(context),
    ...(context.traceState ? { tracestate: context.traceState } : {}),
    ...(context.baggage ? { baggage: context.baggage } : {}),
  };
}

/**
 * Logs the first malformed trace context, then counts the rest quietly: a
 * client that sends a bad traceparent on every call must not fill the log.
 */
export function logOnce(log: (line: string) => void): (where: string, value: string) => void {
  let logged = false;
  return (where, value) => {
    if (logged) return;
    logged = true;
    log(`ignored a malformed W3C trace context in ${where} (${JSON.stringify(value.slice(0, 80))}): the call runs in a new trace; further ones are not logged`);
  };
}
