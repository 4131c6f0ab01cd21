import { readBodyText } from "../server/body-text.ts";
import { SILENT, type CallReporter } from "../tools/context.ts";
import { McpToolResult } from "../tools/define.ts";
import { callPath, STREAM_CONTENT_TYPE, type CallTarget, type FailureEvent } from "./call-stream.ts";
import { signRequest } from "./signing.ts";
import { isFault, readCallStream, type StreamFault } from "./stream-reader.ts";

/** Where a runtime reaches the placements it does not host. */
export interface UpstreamOrigin {
  /** e.g. `https://mcp-hosting-prod.fly.dev` or the Modal app's web endpoint. */
  url: string;
  /** The HMAC key shared with that origin. */
  secret: string;
  /**
   * The release whose handlers must answer, signed with the call: Fly serves
   * every pinned release side by side and picks by it. @default none (Modal: one app per color)
   */
  release?: string;
}

/**
 * A remote call that failed; its message is safe to show to the model.
 * `rpc` is set when the backend failed with a JSON-RPC error to pass on as
 * it is (e.g. -32602 resource not found).
 */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  readonly rpc: { code: number; data?: unknown } | undefined;
  constructor(message: string, rpc?: { code: number; data?: unknown }) {
    super(message);
    this.rpc = rpc;
  }
}

export interface CallOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Gets the progress and log events the backend streams while it works. @default dropped */
  reporter?: CallReporter;
  /**
   * Headers sent along, not covered by the signature (call-stream.ts), e.g.
   * W3C trace context. They cannot replace the signature's or the stream's own.
   * @default none
   */
  headers?: Record<string, string>;
}

/**
 * Calls a handler placed at `origin` over the signed call (call-stream.ts):
 * streams its progress and log events to `options.reporter` and returns its
 * value (a tool's MCP-shaped result as an {@link McpToolResult}). Times out
 * and honours the caller's abort signal, which closes the connection and so
 * stops the remote handler. Every failure is an {@link UpstreamError} that
 * names the call and what went wrong, never the secret.
 */
export async function callUpstream(origin: UpstreamOrigin, target: CallTarget, args: unknown, options: CallOptions): Promise<unknown> {
  const base = new URL(origin.url);
  const path = `${base.pathname.replace(/\/$/, "")}${callPath(target)}`;
  const body = new TextEncoder().encode(JSON.stringify(args ?? {})) as Uint8Array<ArrayBuffer>;
  const headers = await signRequest(origin.secret, "POST", path, body, undefined, undefined, origin.release);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException("deadline", "TimeoutError")), options.timeoutMs);
  const signal = AbortSignal.any([deadline.signal, ...(options.signal ? [options.signal] : [])]);
  const url = new URL(path, base);
  const fail = (reason: string, rpc?: FailureEvent) => new UpstreamError(`${target.name}: ${reason}`, rpc?.code === undefined ? undefined : { code: rpc.code, data: rpc.data });
  try {
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, {
        method: "POST",
        headers: { ...options.headers, ...headers, "content-type": "application/json", accept: `${STREAM_CONTENT_TYPE}, application/json` },
        body,
        signal,
      });
    } catch (error) {
      throw fail(timedOut(error) ? `the ${url.host} backend did not answer within ${options.timeoutMs} ms` : `the ${url.host} backend is unreachable (${describe(error)})`);
    }
    if (response.ok && (response.headers.get("content-type") ?? "").startsWith(STREAM_CONTENT_TYPE) && response.body !== null) {
      let ending;
      try {
        ending = await readCallStream(response.body, options.reporter ?? SILENT, MAX_ANSWER_BYTES);
      } catch (error) {
        throw fail(timedOut(error) ? `the ${url.host} backend did not finish within ${options.timeoutMs} ms` : `the ${url.host} backend's answer broke off (${describe(error)})`);
      }
      if (isFault(ending)) throw fail(faultMessage(ending, url.host));
      if ("error" in ending) throw fail(ending.error, ending);
      return "mcp" in ending ? new McpToolResult(ending.mcp as McpToolResult["result"]) : ending.result;
    }
    return await singleAnswer(response, url.host, fail);
  } finally {
    clearTimeout(timer);
  }
}

/** A tool call over {@link callUpstream}. */
export function callUpstreamTool(origin: UpstreamOrigin, tool: string, args: unknown, options: CallOptions): Promise<unknown> {
  return callUpstream(origin, { kind: "tools", name: tool }, args, options);
}

/** A refusal, or the whole answer of a backend that does not stream: `{ result }` or `{ error }`. */
async function singleAnswer(response: Response, host: string, fail: (reason: string) => UpstreamError): Promise<unknown> {
  const text = await readBodyText(response, { maxBytes: MAX_ANSWER_BYTES });
  if (text === "too-large" || text === "timeout") throw fail(`the ${host} backend answered with more than ${MAX_ANSWER_BYTES / (1024 * 1024)} MiB`);
  let payload: { result?: unknown; error?: unknown } | undefined;
  try {
    payload = JSON.parse(text) as typeof payload;
  } catch {
    payload = undefined;
  }
  if (!response.ok) throw fail(typeof payload?.error === "string" ? payload.error : `HTTP ${response.status}`);
  if (payload === undefined || payload === null || !("result" in payload)) throw fail(`the ${host} backend answered with something other than a JSON result`);
  return payload.result;
}

function faultMessage(fault: StreamFault, host: string): string {
  if (fault.fault === "too-large") return `the ${host} backend answered with more than ${MAX_ANSWER_BYTES / (1024 * 1024)} MiB`;
  if (fault.fault === "garbled") return `the ${host} backend sent a line that is not a call event: ${JSON.stringify(fault.line)}`;
  const reason = fault.reason === undefined ? "" : `: ${fault.reason}`;
  return `the ${host} backend's answer stopped before its result (after ${fault.events} event${fault.events === 1 ? "" : "s"}${reason})`;
}

/**
 * The largest answer read from a backend. Parsing and re-sending a huge
 * answer blocks the event loop, and then no timeout fires: a 149 MB profile
 * once held a server for minutes past its 30 s tool timeout.
 */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

function timedOut(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}
