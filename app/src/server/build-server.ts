import { McpServer, type CallToolResult, type ServerContext } from "@modelcontextprotocol/server";
import { principalOf } from "../auth/caller.ts";
import { observedToolCall } from "../telemetry/observed-tool.ts";
import type { ToolDefinition } from "../tools/define.ts";
import { withCachedJsonSchema } from "./cached-json-schema.ts";
import { invokeTool, type CallScope } from "./tool-invoker.ts";
import type { ToolHost } from "./tool-host.ts";

export const SERVER_INFO = { name: "mcp-hosting", version: "0.1.0" } as const;

/**
 * Builds an MCP server with every tool of the registry. Tools whose placement
 * this host runs locally call their handler; the others are forwarded to the
 * placement's origin. No runtime mentions a tool by name.
 */
export function buildMcpServer(tools: readonly ToolDefinition[], host: ToolHost): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions:
      "Tools: echo (connectivity), note_add/note_list (a scratchpad kept for this session), " +
      "kb_put/kb_search (the team's persistent knowledge base), csv_profile (statistics of CSV text).",
  });
  // The SDK looks a called tool up in a plain object (`_registeredTools[name]`), where `constructor` or
  // `toString` finds Object.prototype's members and answers "Tool constructor disabled". Without a
  // prototype, every name that was not registered is an unknown tool. A bad-input test holds this.
  Object.setPrototypeOf((server as unknown as { _registeredTools: object })._registeredTools, null);
  for (const tool of tools) {
    const scopeChallenge = host.scopes?.challengeFor(tool);
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: withCachedJsonSchema(tool.input),
        annotations: { readOnlyHint: !tool.writes, openWorldHint: false },
        ...(scopeChallenge ? { scopeChallenge } : {}),
      },
      async (args: unknown, ctx: ServerContext) => {
        const outcome = await observedToolCall(host, tool.name, args, ctx, (traced) => invokeTool(tool, args, callScope(ctx, host), traced, ctx.mcpReq.signal));
        return outcome.ok ? toCallToolResult(outcome.value) : errorResult(outcome.message);
      },
    );
  }
  return server;
}

/** Who a call acts for: the session in the 2025-11-25 era, the principal in 2026-07-28. */
export function callScope(ctx: ServerContext, host: ToolHost): CallScope {
  const principal = principalOf(ctx.http?.authInfo) ?? host.defaultPrincipal;
  const stateKey = ctx.sessionId ? `session:${ctx.sessionId}` : `principal:${principal}`;
  return { principal, stateKey };
}

function toCallToolResult(result: unknown): CallToolResult {
  if (typeof result === "string") return { content: [{ type: "text", text: result }] };
  // Structured content must be an object; anything else is wrapped so the model still sees it.
  const structured = result !== null && typeof result === "object" && !Array.isArray(result) ? (result as Record<string, unknown>) : { value: result };
  return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
}

function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}
