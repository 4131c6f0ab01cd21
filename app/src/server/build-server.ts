import { McpServer, ProtocolErrorCode, type CallToolResult, type ServerContext, type Transport } from "@modelcontextprotocol/server";
import { principalOf } from "../auth/caller.ts";
import { SILENT } from "../tools/context.ts";
import { McpToolResult, type ToolDefinition } from "../tools/define.ts";
import type { Catalog } from "../tools/index.ts";
import { observedToolCall } from "../telemetry/observed-tool.ts";
import { CACHE_HINTS } from "./cache-hints.ts";
import { withCachedJsonSchema } from "./cached-json-schema.ts";
import { registerCompletions } from "./completion-handler.ts";
import { invoke, isLocal, type InvokeOptions, type Outcome } from "./invoker.ts";
import { callScope, handlerOptions } from "./mcp-call.ts";
import { guardProgressTokens } from "./progress-tokens.ts";
import { registerPrompts } from "./prompt-registration.ts";
import { registerResources } from "./resource-registration.ts";
import { registerSubscriptions } from "./resource-subscriptions.ts";
import { declaresTasks, missingTasksCapability, registerTaskMethods, TASK_RUN_LIMIT_MS, TASKS_EXTENSION, type ResumeTask, type TaskEnd } from "./tasks.ts";
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
      ...(host.tasks || host.tasksElsewhere ? { extensions: { [TASKS_EXTENSION]: {} } } : {}),
    },
    instructions:
      "Tools: echo (connectivity), note_add/note_list (a scratchpad kept for this session), " +
      "kb_put/kb_search (the team's persistent knowledge base), csv_profile (statistics of CSV text), " +
      "csv_cluster (groups of similar rows in CSV text, k-means). " +
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
  if (host.tasks) {
    registerTaskMethods(server, host.tasks, (ctx) => callScope(ctx, host).principal);
    const required = new Set(catalog.tools.filter((tool) => tool.task === "required").map((tool) => tool.name));
    if (required.size > 0) gateTaskOnlyTools(server, required);
  }
  return server;
}

function registerTool(server: McpServer, tool: ToolDefinition, host: ToolHost): void {
  const scopeChallenge = host.scopes?.challengeFor(tool);
  const taskSupport = host.tasks ? (tool.task ?? "forbidden") : "forbidden";
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
      const run = (options: (traced: ToolHost) => InvokeOptions) =>
        observedToolCall(host, tool.name, args, ctx, (traced) => invoke({ kind: "tool", tool, args }, callScope(ctx, traced), traced, options(traced)));
      if (taskSupport !== "forbidden" && host.tasks) {
        const declared = declaresTasks(ctx);
        // gateTaskOnlyTools refused this call already; a tool callback's throw would become an isError result.
        if (!declared && taskSupport === "required") return errorResult(missingTasksCapability(tool.name).message);
        if (declared) {
          const { principal } = callScope(ctx, host);
          // A handler that cannot detach itself (run elsewhere, or isolated) becomes a task at once.
          const detachAtOnce = !isLocal(tool, host) || (tool.placement !== "modal" && tool.isolation !== undefined);
          // A tool that writes nothing can be run again if the process dies (TaskRunner.resumeWith); one that writes cannot.
          const resumable = tool.writes ? undefined : { args, stateKey: callScope(ctx, host).stateKey };
          const call = await host.tasks.call(
            { principal, tool: tool.name, ...(resumable ? { resumable } : {}) },
            ctx,
            { detachAtOnce },
            // A task reports nothing on the request's stream (the extension forbids progress and log notifications for tasks).
            (task) => run((traced) => ({ ...handlerOptions(ctx, traced), reporter: SILENT, ...task, timeoutMs: Math.min(task.timeoutMs, taskLimitMs(tool)) })),
            (outcome) => taskEnd(outcome, tool, args, host),
          );
          if (call.kind === "task") return call.result as CallToolResult;
          return toolResult(call.outcome, tool, args, host);
        }
      }
      return toolResult(await run((traced) => handlerOptions(ctx, traced)), tool, args, host);
    },
  );
  // Not listed as `execution.taskSupport`: a 2025-11-25 session would read it as the 2025 task protocol
  // (tasks/result, tasks/list), which is not served here; the 2026-07-28 wire has no such field (SEP-2663).
}

/**
 * Refuses a call of a tool that runs only as a task, from a request that did
 * not declare the extension, with -32021 before the tool runs. The SDK's
 * tools/call turns whatever a tool callback throws into an isError result, so
 * the check wraps its stored request handler (as `_registeredTools` above,
 * an SDK internal; the tasks tests hold it).
 */
function gateTaskOnlyTools(server: McpServer, toolNames: ReadonlySet<string>): void {
  type Handler = (request: { params?: { name?: unknown } }, ctx: ServerContext) => Promise<unknown>;
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const callTool = handlers.get("tools/call");
  if (callTool === undefined) throw new Error("the SDK's tools/call handler is not where the tasks gate expects it (Protocol._requestHandlers)");
  handlers.set("tools/call", async (request, ctx) => {
    const name = request.params?.name;
    if (typeof name === "string" && toolNames.has(name) && !declaresTasks(ctx)) throw missingTasksCapability(`${name} runs only as a task: it`);
    return callTool(request, ctx);
  });
}

/** The CallToolResult of a call's outcome: a failure is a result the model sees (isError), not a protocol error. */
function toolResult(outcome: Outcome, tool: ToolDefinition, args: unknown, host: ToolHost): CallToolResult {
  if (!outcome.ok) return errorResult(outcome.message);
  if (tool.changes) host.changes.resourcesChanged(tool.changes(args as never));
  return outcome.value instanceof McpToolResult ? (outcome.value.result as CallToolResult) : toCallToolResult(outcome.value);
}

/**
 * How a task's outcome is recorded: a JSON-RPC error the handler raised fails
 * the task (`failed`, with the error); a tool failure is a result like a sync
 * call's (`completed`, isError); a cancelled call is `cancelled`.
 */
function taskEnd(outcome: Outcome, tool: ToolDefinition, args: unknown, host: ToolHost): TaskEnd {
  if (!outcome.ok && outcome.kind === "cancelled") return { status: "cancelled" };
  if (!outcome.ok && outcome.rpc) return { status: "failed", error: { code: outcome.rpc.code, message: outcome.message, ...(outcome.rpc.data === undefined ? {} : { data: outcome.rpc.data }) } };
  const result = toolResult(outcome, tool, args, host) as Record<string, unknown>;
  if (result.resultType === "input_required") {
    const message = `${tool.name} asked for input with a multi-round result after its task started; a task asks with ctx.task.ask`;
    return { status: "failed", error: { code: ProtocolErrorCode.InternalError, message } };
  }
  return { status: "completed", result };
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

/** Whether a tool's calls may become tasks (its `task` support is `optional` or `required`). */
export function takesTasks(tool: ToolDefinition): boolean {
  return tool.task !== undefined && tool.task !== "forbidden";
}

/**
 * Runs a task of `catalog` again, for TaskRunner.resumeWith: the same tool,
 * arguments, principal and state as its first run, with no client request
 * behind it (it reports nothing and asks nothing).
 */
export function resumeTasks(catalog: Catalog, host: ToolHost): { tools: ReadonlySet<string>; resume: ResumeTask } {
  const byName = new Map(catalog.tools.filter((tool) => takesTasks(tool) && !tool.writes).map((tool) => [tool.name, tool]));
  return {
    tools: new Set(byName.keys()),
    resume: async (task, run) => {
      const tool = byName.get(task.tool)!;
      const outcome = await invoke({ kind: "tool", tool, args: task.call.args }, { principal: task.principal, stateKey: task.call.stateKey }, host, { cancel: run.cancel, reporter: SILENT, timeoutMs: Math.min(run.timeoutMs, taskLimitMs(tool)) });
      return taskEnd(outcome, tool, task.call.args, host);
    },
  };
}

/** Slack past a Modal tool's own timeout, for its Function to stop and the web function to say so. */
const FUNCTION_TIMEOUT_SLACK_MS = 30_000;

/**
 * How long a task of `tool` may run: a Modal tool with a Function of its own is
 * bounded by the timeout it declares (its Function stops there, and the wait
 * with it); any other by the task limit (TASK_RUN_LIMIT_MS).
 */
export function taskLimitMs(tool: ToolDefinition): number {
  const declared = tool.placement === "modal" ? tool.compute?.timeoutSeconds : undefined;
  return declared === undefined ? TASK_RUN_LIMIT_MS : declared * 1000 + FUNCTION_TIMEOUT_SLACK_MS;
}
