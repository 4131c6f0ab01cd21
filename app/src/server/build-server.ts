import { McpServer, type CallToolResult, type ServerContext } from "@modelcontextprotocol/server";
import type { ToolDefinition, ToolResult } from "../tools/define.ts";
import { callUpstreamTool, UpstreamError } from "../upstream/client.ts";
import type { ToolHost } from "./tool-host.ts";

export const SERVER_INFO = { name: "mcp-hosting", version: "0.1.0" } as const;

/** A tool failure whose message is meant for the model. */
export class ToolError extends Error {
  override name = "ToolError";
}

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
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        description: tool.description,
        inputSchema: tool.input,
        annotations: { readOnlyHint: !tool.writes, openWorldHint: false },
      },
      (args: unknown, ctx: ServerContext) => callTool(tool, args, ctx, host),
    );
  }
  return server;
}

/** Identifies who a call acts for, in either protocol era. */
export function callScope(ctx: ServerContext, host: ToolHost): { principal: string; stateKey: string } {
  const principal = ctx.http?.authInfo?.clientId ?? host.defaultPrincipal;
  const stateKey = ctx.sessionId ? `session:${ctx.sessionId}` : `principal:${principal}`;
  return { principal, stateKey };
}

async function callTool(tool: ToolDefinition, args: unknown, ctx: ServerContext, host: ToolHost): Promise<CallToolResult> {
  const timeout = AbortSignal.timeout(host.toolTimeoutMs);
  const signal = AbortSignal.any([ctx.mcpReq.signal, timeout]);
  try {
    const work = run(tool, args, ctx, host, signal);
    const result = await untilAborted(work, signal);
    return toCallToolResult(result);
  } catch (error) {
    if (timeout.aborted) return errorResult(`${tool.name} timed out after ${host.toolTimeoutMs} ms`);
    if (ctx.mcpReq.signal.aborted) return errorResult(`${tool.name} was cancelled`);
    if (error instanceof UpstreamError || error instanceof ToolError) return errorResult(error.message);
    host.logError?.(`tool ${tool.name} threw`, error);
    return errorResult(`${tool.name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function run(
  tool: ToolDefinition,
  args: unknown,
  ctx: ServerContext,
  host: ToolHost,
  signal: AbortSignal,
): Promise<unknown> {
  const { principal, stateKey } = callScope(ctx, host);
  if (tool.placement === "edge" && host.local.edge) {
    return tool.handler(args as never, { principal, stateKey, signal, state: host.local.edge });
  }
  if (tool.placement === "fly" && host.local.fly) {
    return tool.handler(args as never, { principal, stateKey, signal, state: host.local.fly });
  }
  const origin = host.upstream[tool.placement];
  if (origin === undefined) throw new ToolError(`${tool.name}: no ${tool.placement} backend is configured for this server`);
  return callUpstreamTool(origin, tool.name, args, { timeoutMs: host.toolTimeoutMs, signal, fetch: host.fetch });
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

function toCallToolResult(result: ToolResult | unknown): CallToolResult {
  if (typeof result === "string") return { content: [{ type: "text", text: result }] };
  const structured = (result ?? {}) as Record<string, unknown>;
  return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
}

function errorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}
