/**
 * The Messages API through the official `@anthropic-ai/sdk` (ANTHROPIC_BASE_URL
 * honoured by the SDK). Tools go as `{ name, description, input_schema }`; the
 * answer's `tool_use` blocks carry the arguments as an object.
 */
import Anthropic from "@anthropic-ai/sdk";
import { type Model, type ModelAnswer, type ModelRequest, parametersOf } from "./model.ts";

/** Enough for a tool call with its arguments, or a short text answer. */
const MAX_TOKENS = 1024;

export function anthropicModel(options: { apiKey: string; baseURL?: string; model: string }): Model {
  const client = new Anthropic({ apiKey: options.apiKey, ...(options.baseURL ? { baseURL: options.baseURL } : {}), maxRetries: 3, timeout: 120_000 });
  return {
    provider: "anthropic",
    name: options.model,
    endpoint: new URL(client.baseURL).origin,
    async ask(request: ModelRequest): Promise<ModelAnswer> {
      const message = await client.messages.create({
        model: options.model,
        max_tokens: MAX_TOKENS,
        system: request.system,
        messages: request.conversation.map((turn) => ({ role: turn.role, content: turn.text })),
        tools: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          input_schema: { type: "object" as const, ...parametersOf(tool) },
        })),
      });
      const calls = message.content.flatMap((block) => (block.type === "tool_use" ? [{ name: block.name, arguments: block.input }] : []));
      return { calls, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
    },
  };
}
