import { McpServer, type CallToolResult, type ServerContext, type Transport } from "@modelcontextprotocol/server";
import { principalOf } from "../auth/caller.ts";
import { McpToolResult, type ToolDefinition } from "../tools/define.ts";
import type { Catalog } from "../tools/index.ts";
import { observedToolCall } from "../telemetry/observed-tool.ts";
import { CACHE_HINTS } from "./cache-hints.ts";
import { withCachedJsonSchema } from "./cached-json-schema.ts";
import { registerCompletions } from "./completion-handler.ts";
import { invoke } from "./invoker.ts";
import { callScope, handlerOptions } from "./mcp-call.ts";
import { guardProgressTokens } from "./progress-tokens.ts";
import { registerPrompts } from "./prompt-registration.ts";
import { registerResources } from "./resource-registration.ts";
import { registerSubscriptions } from "./resource-subscriptions.ts";
import type { ToolHost } from "./tool-host.ts";

export const SERVER_INFO = { name: "mcp-hosting", version: "0.1.0" } as const;

/** An McpServer whose transports follow the progress-token rule (progress-tokens.ts) from the moment they connect. */
class HostedMcpServer extends McpServer {
  readonly #host: ToolHost;
  constructor(host: ToolHost, options: ConstructorParameters<typeof McpServer>[1]) {
    super(SERVER_INFO, options);
    this.#host = host;
  }
  override async connect(transport: Transport): Promise<void> {
    await super.connect(transport);
    const host = this.#host;
    guardProgressTokens(transport, host.progressTokens, (extra) =>
      transport.sessionId ? `session:${transport.sessionId}` : `principal:${principalOf(extra?.authInfo) ?? host.defaultPrincipal}`,
    );
  }
}

/**
 * Builds an MCP server with every definition of the catalog: tools, prompts,
 * resources and their completions. Definitions whose placement this host
 * runs locally call their handler; the others are forwarded to the
 * placement's origin. No runtime mentions a definition by name.
 */
export function buildMcpServer(catalog: Catalog, host: ToolHost): McpServer {
  const server = new HostedMcpServer(host, {
    capabilities: {
      tools: {},
      ...(catalog.prompts.length > 0 ? { prompts: {} } : {}),
      ...(catalog.resources.length > 0 ? { resources: { subscribe: true } } : {}),
      // Deprecated in 2026-07-28 (SEP-2577) but still served: a 2025-11-25 session sets its level, a 2026-07-28 request asks per request.
      logging: {},
    },
    instructions:
      "Tools: echo (connectivity), note_add/note_list (a scratchpad kept for this session), " +
      "kb_put/kb_search (the team's persistent knowledge base), csv_profile (statistics of CSV text). " +
      "Resources: kb://{key}, every knowledge-base document. Prompts: kb_runbook drafts a runbook from the knowledge base.",
    cacheHints: CACHE_HINTS,
    requestState: { verify: host.requestState.verify },
  });
  // The SDK looks a called tool up in a plain object (`_registeredTools[name]`), where `constructor` or
  // `toString` finds Object.prototype's members and answers "Tool constructor disabled". Without a
  // prototype, every name that was not registered is an unknown tool. A bad-input test holds this.
  for (const registry of ["_registeredTools", "_registeredPrompts", "_registeredResources", "_registeredResourceTemplates"]) {
    Object.setPrototypeOf((server as unknown as Record<string, object>)[registry], null);
  }
  for (const tool of catalog.tools) registerTool(server, tool, host);
  registerPrompts(server, catalog.prompts, host);
  registerResources(server, catalog.resources, host);
  registerCompletions(server, catalog, host);
  if (catalog.resources.length > 0) registerSubscriptions(server, catalog.resources, host);
  return server;
}

function registerTool(server: McpServer, tool: ToolDefinition, host: ToolHost): void {
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
      // Telemetry wraps the call; the host it hands on carries the call's trace context into signed calls.
      const outcome = await observedToolCall(host, tool.name, args, ctx, (traced) =>
        invoke({ kind: "tool", tool, args }, callScope(ctx, traced), traced, handlerOptions(ctx, traced)),
      );
      if (!outcome.ok) return errorResult(outcome.message);
      if (tool.changes) host.changes.resourcesChanged(tool.changes(args as never));
      return outcome.value instanceof McpToolResult ? outcome.value.result : toCallToolResult(outcome.value);
    },
  );
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
