/**
 * The signed call: how the edge (and a Fly region that is not the primary)
 * runs a handler placed elsewhere. This file is the one description of the
 * wire format; `app/modal/call_stream.py` implements the same for Python.
 *
 * Request: `POST <origin><path>`, signed as v1 (`signing.ts`: the signature
 * covers method, path, timestamp, nonce and the body), body = JSON:
 *
 *   /tools/<name>                 the tool's arguments
 *   /prompts/<name>               the prompt's arguments (strings)
 *   /prompts/<name>/complete      { argument, value, context }
 *   /resources/<name>             { uri, variables }
 *   /resources/<name>/list        {}
 *   /resources/<name>/complete    { argument, value, context }
 *
 * Other headers may come along (e.g. W3C trace context, through
 * `CallOptions.headers`); the signature does not cover them.
 *
 * `Accept: application/x-ndjson` asks for a stream. Without it the answer is
 * one JSON object, `{ "result": … }` or `{ "error": "…" }` (the format before
 * streaming, kept for tools). A refusal before the handler starts (bad
 * signature or replay 401, unknown path 404, bad body 400, too large 413) is
 * that JSON `{ "error" }` with its status in either mode.
 *
 * Stream: `200`, `Content-Type: application/x-ndjson`, one JSON object per
 * line while the handler runs, then exactly one terminal line:
 *
 *   { "progress": n, "total"?: n, "message"?: s }          a progress report
 *   { "log": level, "data": any, "logger"?: s }             a log message
 *   { "result": any }                                       terminal: the handler's value
 *   { "mcp": CallToolResult }                               terminal: a tool result already in MCP's shape
 *   { "error": s, "status": n, "code"?: n, "data"?: any }   terminal: a failure
 *
 * `status` is what the JSON mode answers (422 failed, 504 timed out);
 * `code`/`data` are set when the failure is a JSON-RPC error to pass on as it
 * is (e.g. -32602 with `{ uri }`: resource not found). A stream that ends
 * without a terminal line was cut: the caller reports that, never a partial
 * result. Cancellation travels the other way: the caller closes the
 * connection, and the receiver aborts the handler.
 */
import type { LogLevel } from "../tools/context.ts";

export const STREAM_CONTENT_TYPE = "application/x-ndjson";

/** What is being called: the path segment of its kind, its name, and for prompts and resources an action other than the plain get/read. */
export interface CallTarget {
  kind: "tools" | "prompts" | "resources";
  name: string;
  action?: "complete" | "list";
}

const CALL_PATH = /^\/(tools|prompts|resources)\/([a-z][a-z0-9_]{0,63})(?:\/(complete|list))?$/;

export function callPath(target: CallTarget): string {
  return `/${target.kind}/${target.name}${target.action ? `/${target.action}` : ""}`;
}

/** The target a path names, or `undefined` when it names none (`list` is a resource action only). */
export function parseCallPath(pathname: string): CallTarget | undefined {
  const match = CALL_PATH.exec(pathname);
  if (match === null) return undefined;
  const [, kind, name, action] = match as unknown as [string, CallTarget["kind"], string, CallTarget["action"]];
  if (action === "list" && kind !== "resources") return undefined;
  if (action !== undefined && kind === "tools") return undefined;
  return { kind, name, ...(action ? { action } : {}) };
}

export type ProgressEvent = { progress: number; total?: number; message?: string };
export type LogEvent = { log: LogLevel; data: unknown; logger?: string };
export type FailureEvent = { error: string; status: number; code?: number; data?: unknown };
export type TerminalEvent = { result: unknown } | { mcp: unknown } | FailureEvent;
export type CallEvent = ProgressEvent | LogEvent | TerminalEvent;

/** One line of the stream. */
export function encodeEvent(event: CallEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** A parsed line, classified; `undefined` for a line that is none of the events above. */
export function classifyEvent(value: unknown): { type: "progress"; event: ProgressEvent } | { type: "log"; event: LogEvent } | { type: "terminal"; event: TerminalEvent } | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const event = value as Record<string, unknown>;
  if (typeof event.progress === "number") return { type: "progress", event: event as ProgressEvent };
  if (typeof event.log === "string") return { type: "log", event: event as LogEvent };
  if ("result" in event || "mcp" in event) return { type: "terminal", event: event as TerminalEvent };
  if (typeof event.error === "string") return { type: "terminal", event: { status: 502, ...event } as FailureEvent };
  return undefined;
}
