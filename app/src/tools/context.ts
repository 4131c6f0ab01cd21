import type { ServerContext } from "@modelcontextprotocol/server";

/** MCP's log levels, least severe first (RFC 5424 severities, as the spec lists them). */
export const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where a running handler reports how far it got and what it wants logged.
 * The hosting runtime relays both to the client as MCP notifications, or,
 * when the handler runs on Fly or Modal, streams them back to the edge over
 * the signed call (app/src/upstream/call-stream.ts), which relays them.
 * Reports are best effort: they never throw, and the relay drops what the
 * client did not ask for (no progress token; a log level below its
 * threshold, or no log level at all in 2026-07-28).
 */
export interface CallReporter {
  /**
   * `progress` must grow from one report to the next (MCP: "The progress
   * value MUST increase with each notification"); a report that does not is
   * dropped. `total` may be left out when unknown.
   */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** A log message for the client (`notifications/message`); `data` is any JSON value. */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
}

/** What every handler (tool, prompt, resource, completion) learns about the call it serves. */
export interface HandlerContext<S> extends CallReporter {
  /**
   * Whose state this call reads and writes: `session:<id>` in the 2025-11-25
   * era, `principal:<subject>` in the session-less 2026-07-28 era.
   */
  stateKey: string;
  /** The authenticated principal (the bearer token's subject, or the local default). */
  principal: string;
  /** Aborted when the call times out, the client cancels it, or its stream closes. */
  signal: AbortSignal;
  state: S;
  /**
   * The client's own MCP request, present only where the handler runs in the
   * process that holds it (an `edge` handler called by an MCP client, not
   * over the signed connection). For handlers that speak protocol themselves:
   * elicitation, multi-round input, closing a resumable stream. Most handlers
   * never need it.
   */
  exchange?: ServerContext;
  /**
   * Seals the state of a multi-round request (2026-07-28 `requestState`) so
   * the client's retry can be trusted; present with `exchange`. The retry's
   * handler reads it back, verified, with `exchange.mcpReq.requestState()`.
   */
  sealState?: (state: Record<string, unknown>, exchange: ServerContext) => Promise<string>;
  /** Tells listening clients that a list changed (`notifications/<list>/list_changed`); present with `exchange`. */
  announceListChange?: (list: "tools" | "prompts" | "resources") => void;
  /**
   * Present when the call may run as a task (io.modelcontextprotocol/tasks):
   * the tool declares `task` support, the client declared the extension and
   * the handler runs here. Without it, the call is an ordinary one.
   */
  task?: TaskControl;
}

/**
 * How a handler turns its call into a task and talks to the client while it
 * runs. The call stays an ordinary one until the handler detaches: a handler
 * may first answer a multi-round input request, or a result it has at once.
 * Once detached, the client gets the task's id, polls it with `tasks/get`,
 * and `ctx.signal` aborts on `tasks/cancel` (not when the HTTP request ends).
 */
export interface TaskControl {
  /** Creates the task (durably) and answers the `tools/call` with it; the handler keeps running. Idempotent. */
  detach(): Promise<void>;
  /**
   * Asks the client for input while the task runs (detaching first): the task
   * shows `input_required` with these requests (`elicitation/create`,
   * `sampling/createMessage` or `roots/list`, e.g. `inputRequired.elicit(...)`)
   * until `tasks/update` answered every key. Resolves with the responses by
   * the keys asked; rejects when the task is cancelled.
   */
  ask(requests: Record<string, { method: string; params?: unknown }>): Promise<Record<string, unknown>>;
}

/** A reporter that drops everything: for calls nobody listens to. */
export const SILENT: CallReporter = {
  progress: async () => undefined,
  log: async () => undefined,
};
