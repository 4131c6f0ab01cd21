/**
 * The one place the MCP server meets telemetry: a tool call, as the SDK hands
 * it to our handler, becomes a traced and recorded call. Everything the
 * conventions want is read from the SDK's request context here.
 */
import type { ServerContext } from "@modelcontextprotocol/server";
import type { ToolHost } from "../server/tool-host.ts";
import type { Outcome } from "../server/invoker.ts";
import { TOOL_ERROR } from "./conventions.ts";
import type { ToolCallStart } from "./telemetry.ts";

/** The 2026-07-28 `_meta` envelope key of the protocol revision (the SDK's PROTOCOL_VERSION_META_KEY). */
const PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion";

/** Runs a tool call through the host's telemetry, if it has one; the host it gets carries the call's trace context. */
export function observedToolCall(host: ToolHost, tool: string, args: unknown, ctx: ServerContext, run: (host: ToolHost) => Promise<Outcome>): Promise<Outcome> {
  const telemetry = host.telemetry;
  if (telemetry === undefined) return run(host);
  return telemetry.toolCall(
    toolCallStart(tool, args, ctx),
    (call) => run({ ...host, fetch: call.propagate(host.fetch) }),
    (outcome) => (outcome.ok ? { result: outcome.value } : { errorType: TOOL_ERROR, message: outcome.message }),
  );
}

function toolCallStart(tool: string, args: unknown, ctx: ServerContext): ToolCallStart {
  const request = ctx.http?.req;
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const protocolVersion = request?.headers.get("mcp-protocol-version") ?? (typeof envelope?.[PROTOCOL_VERSION_KEY] === "string" ? envelope[PROTOCOL_VERSION_KEY] : undefined);
  const apiVersion = request ? /^\/(v\d+)\/mcp\/?$/.exec(new URL(request.url).pathname)?.[1] : undefined;
  return {
    tool,
    requestId: ctx.mcpReq.id,
    ...(protocolVersion ? { protocolVersion } : {}),
    ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
    ...(apiVersion ? { apiVersion } : {}),
    ...(ctx.mcpReq._meta ? { meta: ctx.mcpReq._meta as Record<string, unknown> } : {}),
    ...(request ? { headers: request.headers } : {}),
    arguments: args,
  };
}
