/**
 * One instrumentation for every runtime: a tool call is a SERVER span named
 * and attributed as the MCP conventions say, one record of
 * `mcp.server.operation.duration`, and a CLIENT span around each signed call
 * it makes to Fly or Modal, whose trace context travels in the call's
 * headers. Runtimes differ only in where spans and records go (the
 * `SpanBackend` and `CallSink` they pass): the OpenTelemetry SDK on Node, a
 * hand-rolled span and an Analytics Engine data point on the Worker.
 */
import {
  BAGGAGE_KEYS,
  type Deployment,
  EXECUTE_TOOL,
  hasSessions,
  HOSTING_ATTRIBUTES as HOSTING,
  MCP_ATTRIBUTES as MCP,
  spanName,
  TOOL_ERROR,
  TOOLS_CALL,
} from "./conventions.ts";
import { baggageEntry, contextFromHeaders, contextFromMeta, logOnce, propagationHeaders, type TraceContext, withBaggage } from "./trace-context.ts";

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface SpanStart {
  name: string;
  kind: "server" | "client";
  /** The remote or local parent; none starts a new trace. */
  parent?: TraceContext;
  /** Related contexts, e.g. the HTTP request's when the parent came from `_meta`. */
  links?: TraceContext[];
  attributes: Attributes;
}

export interface OpenSpan {
  /** This span's context, with the parent's tracestate and baggage: what a child call propagates. */
  readonly context: TraceContext;
  setAttributes(attributes: Attributes): void;
  /** Sets `error.type` and the ERROR status, described by `message`. */
  fail(errorType: string, message?: string): void;
  end(): void;
}

export interface SpanBackend {
  start(span: SpanStart): OpenSpan;
}

/** One finished tool call, with the low-cardinality attributes a metric or data point may carry. */
export interface CallRecord {
  tool: string;
  durationSeconds: number;
  /** Absent on success (the conventions: set if and only if the operation failed). */
  errorType?: string;
  attributes: Attributes;
}

export interface CallSink {
  record(call: CallRecord): void;
}

/** What the runtime knows about a tool call before it runs. */
export interface ToolCallStart {
  tool: string;
  requestId?: string | number;
  protocolVersion?: string;
  sessionId?: string;
  /** The API version the call came in on (`v1`), when the runtime knows it. */
  apiVersion?: string;
  /** The request's `params._meta`, where the client's trace context is looked for first. */
  meta?: Record<string, unknown>;
  headers?: Headers;
  /** Recorded as `gen_ai.tool.call.arguments` only when the deployment opted in. */
  arguments?: unknown;
  /**
   * Set for signed calls from the edge (the HMAC admits only the edge): their
   * baggage names the edge deployment they came through. A client's baggage
   * never labels our records.
   */
  fromEdge?: boolean;
}

/** How a call ended, as the runtime sees it. */
export interface ToolCallEnd {
  errorType?: string;
  message?: string;
  result?: unknown;
}

/**
 * What `settle` answers for a request that turned out not to be a tool call
 * run here (refused before it ran, or replayed elsewhere): its span is never
 * ended, so never exported, and nothing is recorded.
 */
export const NOT_A_CALL = "not-a-call";

export interface TelemetryOptions {
  spans: SpanBackend;
  calls: CallSink;
  deployment: Deployment;
  /**
   * Record tool arguments and results on spans. They may hold anything a user
   * typed, so the conventions make them opt-in, and so do we.
   * @default false
   */
  recordContent?: boolean;
  log: (line: string) => void;
  now?: () => number;
}

/** What a tool call's code gets: fetches that carry the call's trace context to Fly and Modal. */
export interface TracedCall {
  /** `base` (the global fetch by default), each request a CLIENT span whose context goes out in its headers. */
  propagate(base?: typeof fetch): typeof fetch;
}

/** The edge deployment a call came through, and whether it is one of our scripted calls. */
interface Via {
  color: string;
  apiVersion?: string;
  synthetic: boolean;
}

/** The largest tool argument or result recorded on a span, when recording is on. */
const MAX_CONTENT_CHARS = 4096;
const API_VERSION = /^v\d{1,4}$/;
const COLOR = /^[a-z]{1,16}$/;

export class Telemetry {
  readonly #options: TelemetryOptions;
  readonly #malformed: (where: string, value: string) => void;
  readonly #now: () => number;

  constructor(options: TelemetryOptions) {
    this.#options = options;
    this.#malformed = logOnce(options.log);
    this.#now = options.now ?? (() => performance.now());
  }

  get deployment(): Deployment {
    return this.#options.deployment;
  }

  /**
   * Runs one tool call inside its SERVER span and records its duration.
   * Telemetry never fails the call: `run`'s result or error is what the
   * caller gets, whatever happens to spans and records.
   */
  async toolCall<T>(start: ToolCallStart, run: (call: TracedCall) => Promise<T>, settle: (value: T) => ToolCallEnd | typeof NOT_A_CALL): Promise<T> {
    const fromMeta = contextFromMeta(start.meta, this.#malformed);
    const fromHeaders = contextFromHeaders(start.headers, this.#malformed);
    const parent = fromMeta ?? fromHeaders;
    const via = this.#edgeOf(start, parent);
    const attributes = this.#attributes(start, via);
    const span = this.#options.spans.start({
      name: spanName(TOOLS_CALL, start.tool),
      kind: "server",
      ...(parent ? { parent } : {}),
      // The conventions: the MCP span's parent comes from `_meta`, the transport's context is a link.
      ...(fromMeta && fromHeaders ? { links: [fromHeaders] } : {}),
      // Per-call attributes go on the span only: a metric label must not take a new value per call.
      attributes: {
        ...attributes,
        ...(start.requestId !== undefined && start.requestId !== null ? { [MCP.requestId]: String(start.requestId) } : {}),
        ...(start.sessionId && hasSessions(start.protocolVersion) ? { [MCP.sessionId]: start.sessionId } : {}),
        ...this.#content(MCP.toolArguments, start.arguments),
      },
    });
    // Fly and Modal learn which edge deployment a call came through from the baggage it carries.
    const context = {
      ...span.context,
      baggage: withBaggage(span.context.baggage, {
        [BAGGAGE_KEYS.color]: via.color,
        ...(via.apiVersion ? { [BAGGAGE_KEYS.apiVersion]: via.apiVersion } : {}),
        ...(via.synthetic ? { [BAGGAGE_KEYS.synthetic]: "1" } : {}),
      }),
    };
    const started = this.#now();
    let end: ToolCallEnd | typeof NOT_A_CALL;
    try {
      const value = await run({ propagate: (base = fetch) => this.#propagating(context, start.tool, base) });
      end = settle(value);
      return value;
    } catch (error) {
      end = { errorType: error instanceof Error ? error.name : "_OTHER", message: error instanceof Error ? error.message : String(error) };
      throw error;
    } finally {
      this.#finish(span, start.tool, attributes, started, end!);
    }
  }

  #finish(span: OpenSpan, tool: string, attributes: Attributes, started: number, end: ToolCallEnd | typeof NOT_A_CALL): void {
    if (end === NOT_A_CALL) return;
    try {
      const durationSeconds = (this.#now() - started) / 1000;
      if (end.errorType) span.fail(end.errorType, end.message);
      else span.setAttributes(this.#content(MCP.toolResult, end.result));
      span.end();
      this.#options.calls.record({ tool, durationSeconds, ...(end.errorType ? { errorType: end.errorType } : {}), attributes });
    } catch (error) {
      this.#options.log(`telemetry: a tool call's record was lost: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /**
   * The edge deployment a call came through: this one, or for a signed call
   * the one its baggage names, checked; and whether it is one of our scripted
   * calls (any caller's baggage may say so: it can only hide a call from the guard).
   */
  #edgeOf(start: ToolCallStart, parent: TraceContext | undefined): Via {
    const baggage = start.fromEdge ? parent?.baggage : undefined;
    const color = baggageEntry(baggage, BAGGAGE_KEYS.color);
    const version = start.apiVersion ?? baggageEntry(baggage, BAGGAGE_KEYS.apiVersion);
    const callerBaggage = [start.meta?.baggage, start.headers?.get("baggage"), parent?.baggage].filter((entry) => typeof entry === "string").join(",");
    // Labels must stay low-cardinality: anything but a plain color or version name is not taken.
    return {
      color: color !== undefined && COLOR.test(color) ? color : this.#options.deployment.color,
      ...(version !== undefined && API_VERSION.test(version) ? { apiVersion: version } : {}),
      synthetic: baggageEntry(callerBaggage, BAGGAGE_KEYS.synthetic) !== undefined,
    };
  }

  #attributes(start: ToolCallStart, via: Via): Attributes {
    return {
      [MCP.methodName]: TOOLS_CALL,
      [MCP.toolName]: start.tool,
      [MCP.operationName]: EXECUTE_TOOL,
      ...(start.protocolVersion ? { [MCP.protocolVersion]: start.protocolVersion } : {}),
      [MCP.networkTransport]: "tcp",
      [MCP.networkProtocolName]: "http",
      [HOSTING.release]: this.#options.deployment.release,
      [HOSTING.color]: via.color,
      ...(via.apiVersion ? { [HOSTING.apiVersion]: via.apiVersion } : {}),
      ...(via.synthetic ? { [HOSTING.synthetic]: true } : {}),
    };
  }

  #content(key: string, value: unknown): Attributes {
    if (!this.#options.recordContent || value === undefined) return {};
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return { [key]: text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}…` : text };
  }

  /** A fetch whose every request is a CLIENT span that carries `context` on in its headers. */
  #propagating(context: TraceContext, tool: string, base: typeof fetch): typeof fetch {
    const spans = this.#options.spans;
    return async (input, init) => {
      const span = spans.start({
        name: spanName(TOOLS_CALL, tool),
        kind: "client",
        parent: context,
        attributes: { [MCP.methodName]: TOOLS_CALL, [MCP.toolName]: tool, [MCP.operationName]: EXECUTE_TOOL, [MCP.networkTransport]: "tcp" },
      });
      const headers = new Headers(init?.headers);
      for (const [name, value] of Object.entries(propagationHeaders(span.context))) headers.set(name, value);
      try {
        const response = await base(input, { ...init, headers });
        // The signed endpoint answers a tool's own failure with 422 (app/src/server/signed-tool-endpoint.ts).
        if (!response.ok) span.fail(response.status === 422 ? TOOL_ERROR : String(response.status), `HTTP ${response.status}`);
        return response;
      } catch (error) {
        span.fail(error instanceof Error ? error.name : "_OTHER", error instanceof Error ? error.message : String(error));
        throw error;
      } finally {
        span.end();
      }
    };
  }
}
