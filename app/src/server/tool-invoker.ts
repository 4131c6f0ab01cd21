import type { ToolDefinition } from "../tools/define.ts";
import { callUpstreamTool, UpstreamError } from "../upstream/client.ts";
import type { ToolHost } from "./tool-host.ts";
import { runsInPrimary } from "./writer-region.ts";

/** A tool failure whose message is meant for the model. */
export class ToolError extends Error {
  override name = "ToolError";
}

export interface CallScope {
  principal: string;
  stateKey: string;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; kind: "timeout" | "cancelled" | "failed"; message: string };

/**
 * Runs one tool call with a deadline: in-process when this host runs the
 * tool's placement, otherwise over signed HTTP. Never throws; every failure
 * is an outcome with a message fit for the model.
 */
export async function invokeTool(
  tool: ToolDefinition,
  args: unknown,
  scope: CallScope,
  host: ToolHost,
  cancel: AbortSignal,
): Promise<Outcome> {
  // A timer we clear ourselves: a pending timeout would keep a Durable Object from hibernating.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error("timeout")), host.toolTimeoutMs);
  const signal = AbortSignal.any([cancel, deadline.signal]);
  try {
    return { ok: true, value: await untilAborted(dispatch(tool, args, scope, host, signal), signal) };
  } catch (error) {
    if (deadline.signal.aborted) return { ok: false, kind: "timeout", message: `${tool.name} timed out after ${host.toolTimeoutMs} ms` };
    if (cancel.aborted) return { ok: false, kind: "cancelled", message: `${tool.name} was cancelled` };
    if (error instanceof UpstreamError || error instanceof ToolError) return { ok: false, kind: "failed", message: error.message };
    host.logError?.(`tool ${tool.name} threw`, error);
    return { ok: false, kind: "failed", message: `${tool.name} failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether this host runs the tool in-process. */
export function isLocal(tool: ToolDefinition, host: ToolHost): boolean {
  return (tool.placement === "edge" && host.local.edge !== undefined) || (tool.placement === "fly" && host.local.fly !== undefined);
}

async function dispatch(tool: ToolDefinition, args: unknown, scope: CallScope, host: ToolHost, signal: AbortSignal): Promise<unknown> {
  // A session lives in this region's SQLite, so its writes cannot be replayed elsewhere: forward the call itself.
  if (host.region?.kind === "replica" && runsInPrimary(tool, host.region)) {
    return callUpstreamTool(host.region.primary, tool.name, args, { timeoutMs: host.toolTimeoutMs, signal, ...(host.fetch ? { fetch: host.fetch } : {}) });
  }
  if (tool.placement !== "modal" && tool.isolation !== undefined && isLocal(tool, host)) {
    if (host.isolate === undefined) throw new ToolError(`${tool.name}: this runtime cannot run tools in isolation`);
    return host.isolate.run({ name: tool.name, isolation: tool.isolation }, args, scope, signal);
  }
  if (tool.placement === "edge" && host.local.edge) {
    return tool.handler(args as never, { ...scope, signal, state: host.local.edge });
  }
  if (tool.placement === "fly" && host.local.fly) {
    return tool.handler(args as never, { ...scope, signal, state: host.local.fly });
  }
  const origin = host.upstream[tool.placement];
  if (origin === undefined) throw new ToolError(`${tool.name}: no ${tool.placement} backend is configured for this server`);
  return callUpstreamTool(origin, tool.name, args, { timeoutMs: host.toolTimeoutMs, signal, ...(host.fetch ? { fetch: host.fetch } : {}) });
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
