/**
 * A model as the harness uses it: given the tools exactly as tools/list gave
 * them, a system line and the conversation, it answers with the tool calls it
 * makes (none, when it answers in text) and the tokens it used.
 */
import type { ToolCall } from "../judge.ts";
import type { Turn } from "../suite.ts";

export interface ListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

export interface ModelRequest {
  system: string;
  conversation: Turn[];
  tools: readonly ListedTool[];
}

export interface ModelAnswer {
  calls: ToolCall[];
  inputTokens: number;
  outputTokens: number;
}

export interface Model {
  provider: "anthropic" | "openai";
  /** The model id sent in each request (EVAL_MODEL). */
  name: string;
  /** The API's origin, for the report; never with a key. */
  endpoint: string;
  ask(request: ModelRequest): Promise<ModelAnswer>;
}

/** What the model is told: the same for every case and both APIs, so a change in its choices is the tools' doing. */
export const SYSTEM_PROMPT =
  "You are an assistant connected to an MCP server whose tools are listed. When one of them does what the user asks, " +
  "call it with arguments taken from the conversation. When no tool fits, or the user asks you not to act, answer in text without calling any tool.";

/** A tool's schema as the model APIs take it: without `$schema`, which some OpenAI-compatible servers refuse. */
export function parametersOf(tool: ListedTool): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = tool.inputSchema;
  return schema;
}
