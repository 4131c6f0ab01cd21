/**
 * The Chat Completions API through the official `openai` SDK: OpenAI itself,
 * or any server that speaks it (vLLM, Ollama, a gateway) at OPENAI_BASE_URL.
 * Tools go as `{ type: "function", function: { name, description, parameters } }`;
 * the answer's `message.tool_calls` carry the arguments as a JSON string.
 */
import OpenAI from "openai";
import type { ToolCall } from "../judge.ts";
import { type Model, type ModelAnswer, type ModelRequest, parametersOf } from "./model.ts";

export function openAiModel(options: { apiKey: string; baseURL?: string; model: string }): Model {
  const client = new OpenAI({ apiKey: options.apiKey, ...(options.baseURL ? { baseURL: options.baseURL } : {}), maxRetries: 3, timeout: 120_000 });
  return {
    provider: "openai",
    name: options.model,
    endpoint: new URL(client.baseURL).origin,
    async ask(request: ModelRequest): Promise<ModelAnswer> {
      const completion = await client.chat.completions.create({
        model: options.model,
        messages: [
          { role: "system", content: request.system },
          ...request.conversation.map((turn) => ({ role: turn.role, content: turn.text })),
        ],
        tools: request.tools.map((tool) => ({
          type: "function" as const,
          function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: parametersOf(tool) },
        })),
        tool_choice: "auto",
      });
      const message = completion.choices[0]?.message;
      const calls: ToolCall[] = (message?.tool_calls ?? []).flatMap((call) =>
        call.type === "function" ? [{ name: call.function.name, arguments: parseArguments(call.function.arguments) }] : [],
      );
      return { calls, inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 };
    },
  };
}

/** Arguments a model wrote as text: an object when they parse, else the text itself, which then fails the case's checks. */
function parseArguments(text: string): unknown {
  try {
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return text;
  }
}
