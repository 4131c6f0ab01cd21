import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { KnowledgeBase } from "../state/knowledge-base.ts";
import type { NoteStore } from "../state/notes.ts";
import type { HandlerContext } from "./context.ts";
import { checkDefinition } from "./definition-rules.ts";
import { computeProblem, type ModalCompute } from "./modal-compute.ts";

/**
 * Where a tool runs. `edge` runs in every runtime (Worker and Node), `fly` runs
 * in the stateful Node service, `modal` runs in the Python compute app. A
 * runtime that does not host a placement forwards the call over signed HTTP.
 */
export type Placement = "edge" | "fly" | "modal";

/** The state each placement's handlers may touch; the hosting runtime supplies it. */
export interface PlacementState {
  edge: { notes: NoteStore };
  fly: { knowledgeBase: KnowledgeBase };
}

/** What a tool's handler learns about the call it serves. */
export type ToolContext<S> = HandlerContext<S>;

/**
 * A result already in MCP's shape: content blocks (images, audio, embedded
 * resources) or, from an `edge` handler, a multi-round input request
 * (2026-07-28). It reaches the client unchanged; make one with {@link mcpResult}.
 */
export class McpToolResult {
  readonly result: CallToolResult | InputRequiredResult;
  constructor(result: CallToolResult | InputRequiredResult) {
    this.result = result;
  }
}

export function mcpResult(result: CallToolResult | InputRequiredResult): McpToolResult {
  return new McpToolResult(result);
}

/** A handler returns JSON (an object becomes structured content, anything else text), or an {@link McpToolResult}. */
export type ToolResult = Record<string, unknown> | string | McpToolResult;

interface ToolCommon<Input extends z.ZodObject> {
  /** snake_case, unique across the registry. */
  name: string;
  /** Written for a model: what the tool does, when to use it, what it returns. */
  description: string;
  input: Input;
  /** A valid input, used by smoke tests and `verify` to call the tool. */
  example: z.input<Input>;
  /** True when the tool changes state (used for writer-region routing and annotations). */
  writes?: boolean;
  /**
   * OAuth scopes a call needs, on a server that takes OAuth access tokens; a
   * call without them gets 403 insufficient_scope and the client can step up.
   * The deployment may replace them (`MCP_OAUTH_TOOL_SCOPES`). Static tokens
   * and local use are not scoped.
   * @default [] (any valid token)
   * @example ["kb:write"]
   */
  scopes?: readonly string[];
  /**
   * The URIs of the resources a successful call changed, given its input;
   * 2025-11-25 sessions subscribed to one get `notifications/resources/updated`.
   * @default none
   * @example ({ key }) => [kbUri(key)]
   */
  changes?: (input: z.output<Input>) => readonly string[];
  /**
   * Whether a call may run as a task (io.modelcontextprotocol/tasks, SEP-2663;
   * on Node, and on the Worker in the principal's Durable Object): `optional`
   * runs as an ordinary call for a client without the extension, `required`
   * refuses such a client (-32021). The handler decides when a call becomes a task, with
   * `ctx.task.detach()` (tools/context.ts); a tool not run in-process is
   * detached at once. Not listed in `tools/list`: creation is server-directed
   * on the 2026-07-28 wire, and 2025-11-25 sessions are served no tasks.
   * @default "forbidden" (never a task)
   */
  task?: TaskSupport;
}

export type TaskSupport = "forbidden" | "optional" | "required";

export interface LocalTool<P extends "edge" | "fly", Input extends z.ZodObject = z.ZodObject>
  extends ToolCommon<Input> {
  placement: P;
  handler: (input: z.output<Input>, ctx: ToolContext<PlacementState[P]>) => Promise<ToolResult>;
  /**
   * Runs each call in a worker thread of its own with a capped heap, where the
   * runtime supports it (Node); elsewhere the call fails. For handlers that
   * may use a lot of memory or CPU: past the cap, or past the per-call
   * timeout, the worker is ended and only that call fails. The handler then
   * gets no placement state (`ctx.state` is empty) and its result must be
   * structured-cloneable.
   */
  isolation?: ToolIsolation;
}

export interface ToolIsolation {
  /**
   * The module holding the handler (a URL, e.g. `new URL("./hog-handler.ts", import.meta.url).href`).
   * The worker imports only this module, so it should import no more than the handler needs.
   */
  module: string;
  /** The name the handler is exported under; it must be the same function as the tool's `handler`. */
  export: string;
  /** The worker's V8 heap cap, in MB. Memory outside the heap (ArrayBuffers) is not counted. */
  memoryMb: number;
}

/** A Modal tool is declared here and implemented in `app/modal/compute.py`. */
export interface RemoteTool<Input extends z.ZodObject = z.ZodObject> extends ToolCommon<Input> {
  placement: "modal";
  /**
   * The Modal Function of its own that runs this tool: GPU, CPU, memory, timeout,
   * Python packages, memory snapshot. Without it the tool runs in the web function.
   * @default none (runs in the web function)
   * @example { gpu: "T4", cpu: 2, memoryMb: 4096, packages: ["torch"], memorySnapshot: true }
   */
  compute?: ModalCompute;
}

export type ToolDefinition = LocalTool<"edge"> | LocalTool<"fly"> | RemoteTool;

/**
 * Declares a tool once; every runtime serves it from this definition. The
 * overloads keep the handler's input and state typed by the placement.
 */
export function defineTool<Input extends z.ZodObject>(tool: LocalTool<"edge", Input>): ToolDefinition;
export function defineTool<Input extends z.ZodObject>(tool: LocalTool<"fly", Input>): ToolDefinition;
export function defineTool<Input extends z.ZodObject>(tool: RemoteTool<Input>): ToolDefinition;
export function defineTool(tool: ToolDefinition): ToolDefinition {
  checkDefinition("tool", tool.name, tool.scopes, tool.input, tool.example);
  // The types say so, but the runtimes load definitions without a type check: a lost handler
  // would be listed, released and planned, then fail on every call.
  const handler = (tool as { handler?: unknown }).handler;
  if (tool.placement !== "modal" && typeof handler !== "function") {
    throw new Error(`tool "${tool.name}" is placed on ${tool.placement} but has no handler: expected handler: async (input, ctx) => result in its defineTool`);
  }
  const compute = (tool as { compute?: unknown }).compute;
  if (compute !== undefined) {
    if (tool.placement !== "modal") throw new Error(`tool "${tool.name}" is placed on ${tool.placement}: only a modal-placed tool declares compute`);
    const problem = computeProblem(tool.name, compute);
    if (problem) throw new Error(problem);
  }
  if (tool.placement === "modal" && handler !== undefined) {
    throw new Error(`tool "${tool.name}" is placed on modal, where its handler is Python (@tool("${tool.name}") in app/modal/${tool.name}.py): remove the TypeScript handler`);
  }
  return tool;
}
