import { ProtocolError, ProtocolErrorCode, type ServerContext } from "@modelcontextprotocol/server";
import { principalOf } from "../auth/caller.ts";
import type { CallScope, InvokeOptions, Outcome } from "./invoker.ts";
import { mcpReporter } from "./mcp-reporter.ts";
import type { ToolHost } from "./tool-host.ts";

/** Who a call acts for: the session in the 2025-11-25 era, the principal in 2026-07-28. */
export function callScope(ctx: ServerContext, host: ToolHost): CallScope {
  const principal = principalOf(ctx.http?.authInfo) ?? host.defaultPrincipal;
  const stateKey = ctx.sessionId ? `session:${ctx.sessionId}` : `principal:${principal}`;
  return { principal, stateKey };
}

/** What a handler run for this MCP request gets: its cancellation, a reporter to the client, the request itself. */
export function handlerOptions(ctx: ServerContext, host: ToolHost): InvokeOptions {
  return {
    cancel: ctx.mcpReq.signal,
    reporter: mcpReporter(ctx),
    exchange: ctx,
    protocol: { sealState: (state, exchange) => host.requestState.mint(state, exchange), announceListChange: (list) => host.changes.listChanged(list) },
  };
}

/**
 * The value of a prompt's, resource's or completion's outcome, or the
 * JSON-RPC error it is: the handler's own (e.g. -32602 resource not found,
 * passed on from Fly or Modal), else -32603 with the message, which names
 * what failed and never holds a stack.
 */
export function valueOf(outcome: Outcome): unknown {
  if (outcome.ok) return outcome.value;
  throw new ProtocolError(outcome.rpc?.code ?? ProtocolErrorCode.InternalError, outcome.message, outcome.rpc?.data);
}
