import { ProtocolError, type ServerContext } from "@modelcontextprotocol/server";
import type { CallReporter, HandlerContext, TaskControl } from "../tools/context.ts";
import type { Placement } from "../tools/define.ts";
import { callUpstream, UpstreamError, type UpstreamOrigin } from "../upstream/client.ts";
import { runLocally } from "./local-handlers.ts";
import { definitionOf, wireCall, type Operation } from "./operation.ts";
import type { ToolHost } from "./tool-host.ts";
import { runsInPrimary } from "./writer-region.ts";

/** A failure whose message is meant for the model. */
export class ToolError extends Error {
  override name = "ToolError";
}

export interface CallScope {
  principal: string;
  stateKey: string;
}

/** How an operation ended. `rpc` is set when it failed with a JSON-RPC error to pass on as it is. */
export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; kind: "timeout" | "cancelled" | "failed"; message: string; rpc?: { code: number; data?: unknown } };

export interface InvokeOptions {
  /** Aborted when the client cancels the request or its stream closes. */
  cancel: AbortSignal;
  /** Where progress and log reports go. */
  reporter: CallReporter;
  /** The client's MCP request, handed to `edge` handlers that run here (HandlerContext.exchange). */
  exchange?: ServerContext;
  /** For `edge` handlers that run here: HandlerContext.sealState and announceListChange. */
  protocol?: Pick<HandlerContext<unknown>, "sealState" | "announceListChange">;
  /** For handlers that run here, when the call may become a task (HandlerContext.task). */
  task?: TaskControl;
  /** The deadline, when not the host's per-call one (a task's work may run longer). */
  timeoutMs?: number;
}

/**
 * Runs one operation with a deadline: in-process when this host runs its
 * placement, otherwise over the signed call, whose progress and log events
 * reach `options.reporter` while it runs. Never throws; every failure is an
 * outcome with a message fit for the model.
 */
export async function invoke(operation: Operation, scope: CallScope, host: ToolHost, options: InvokeOptions): Promise<Outcome> {
  const { name } = definitionOf(operation);
  // One controller for both ends, the client's cancel and the deadline. A timer we clear ourselves:
  // a pending timeout would keep a Durable Object from hibernating. Not AbortSignal.any: its
  // weakly held composite signal showed in the profile (and the garbage collector) on every call.
  const stop = new AbortController();
  let timedOut = false;
  const timeoutMs = options.timeoutMs ?? host.toolTimeoutMs;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort(new Error("timeout"));
  }, timeoutMs);
  const onCancel = () => stop.abort(options.cancel.reason);
  if (options.cancel.aborted) onCancel();
  else options.cancel.addEventListener("abort", onCancel, { once: true });
  const { signal } = stop;
  try {
    return { ok: true, value: await untilAborted(dispatch(operation, scope, host, signal, options), signal) };
  } catch (error) {
    if (timedOut) return { ok: false, kind: "timeout", message: `${name} timed out after ${timeoutMs} ms` };
    if (options.cancel.aborted) return { ok: false, kind: "cancelled", message: `${name} was cancelled` };
    if (error instanceof UpstreamError) return { ok: false, kind: "failed", message: error.message, ...(error.rpc ? { rpc: error.rpc } : {}) };
    if (error instanceof ProtocolError) return { ok: false, kind: "failed", message: error.message, rpc: { code: error.code, data: error.data } };
    if (error instanceof ToolError) return { ok: false, kind: "failed", message: error.message };
    host.logError?.(`${operation.kind} ${name} threw`, error);
    return { ok: false, kind: "failed", message: `${name} failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
    options.cancel.removeEventListener("abort", onCancel);
  }
}

/** Whether this host runs a placement in-process. */
export function isLocal(definition: { placement: Placement }, host: ToolHost): boolean {
  return (definition.placement === "edge" && host.local.edge !== undefined) || (definition.placement === "fly" && host.local.fly !== undefined);
}

async function dispatch(operation: Operation, scope: CallScope, host: ToolHost, signal: AbortSignal, options: InvokeOptions): Promise<unknown> {
  const definition = definitionOf(operation);
  const remote = (origin: UpstreamOrigin) => {
    const { target, body } = wireCall(operation);
    // A task's call waits as long as the task may run (InvokeOptions.timeoutMs), not a request's limit.
    return callUpstream(origin, target, body, { timeoutMs: options.timeoutMs ?? host.toolTimeoutMs, signal, reporter: options.reporter, ...(host.fetch ? { fetch: host.fetch } : {}) });
  };
  // Fly state lives in the primary region's SQLite: a region without a fresh copy forwards the call itself.
  if (host.region?.kind === "replica" && runsInPrimary(definition, host.region)) return remote(host.region.primary);
  const { reporter } = options;
  if (operation.kind === "tool" && operation.tool.placement !== "modal" && operation.tool.isolation !== undefined && isLocal(operation.tool, host)) {
    if (host.isolate === undefined) throw new ToolError(`${operation.tool.name}: this runtime cannot run tools in isolation`);
    return host.isolate.run({ name: operation.tool.name, isolation: operation.tool.isolation }, operation.args, scope, signal, reporter);
  }
  if (isLocal(definition, host)) {
    const state = definition.placement === "edge" ? host.local.edge : host.local.fly;
    const exchange = definition.placement === "edge" && options.exchange ? { exchange: options.exchange, ...options.protocol } : {};
    const task = options.task ? { task: options.task } : {};
    return runLocally(operation, { ...scope, signal, state: state as never, progress: reporter.progress, log: reporter.log, ...exchange, ...task });
  }
  const origin = host.upstream[definition.placement];
  if (origin === undefined) throw new ToolError(`${definition.name}: no ${definition.placement} backend is configured for this server`);
  return remote(origin);
}

/** Settles with the work, or rejects as soon as the signal aborts, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
