/**
 * A stand-in model server on 127.0.0.1 that speaks both APIs' tool-calling
 * shapes, for the eval harness's tests (no network, no key):
 *
 * - OpenAI Chat Completions, `POST <base>/chat/completions` with
 *   `Authorization: Bearer <key>`; tools as `{ type: "function", function:
 *   { name, description, parameters } }`; the answer's `choices[0].message.tool_calls[]`
 *   hold `{ id, type: "function", function: { name, arguments } }` with the
 *   arguments as a JSON string, `finish_reason: "tool_calls"`, and
 *   `usage.prompt_tokens`/`completion_tokens` (platform.openai.com/docs/api-reference/chat/create;
 *   the types in openai/resources/chat/completions/completions.d.ts).
 * - Anthropic Messages, `POST /v1/messages` with `anthropic-version` and the
 *   key in `x-api-key`, as the API reference shows, or as `Authorization:
 *   Bearer`, which is what @anthropic-ai/sdk 1.10.0 sends for an apiKey
 *   (client.mjs, apiKeyAuth): the SDK is what the harness runs, so both; tools as `{ name, description, input_schema }`; the
 *   answer's `content[]` holds `{ type: "tool_use", id, name, input }`,
 *   `stop_reason: "tool_use"`, and `usage.input_tokens`/`output_tokens`
 *   (docs.anthropic.com/en/api/messages; @anthropic-ai/sdk/resources/messages/messages.d.ts).
 *
 * A wrong key gets each API's 401 body; OpenAI's quotes a masked key, as the
 * real one does, so a test can see that the harness never repeats it. What a
 * model "decides" is a policy given per test; `readsDescriptions` is one that
 * picks the tool whose name and description share most words with the prompt,
 * so a misleading description misleads it. It says nothing about any real
 * model's quality.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInTool {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

export interface StandInRequest {
  api: "openai" | "anthropic";
  model: string;
  system: string;
  /** The conversation, oldest first; the last turn is the prompt. */
  turns: { role: string; text: string }[];
  tools: StandInTool[];
}

export type StandInReply = { tool: string; arguments: Record<string, unknown> } | { text: string };
export type Policy = (request: StandInRequest) => StandInReply;

export interface StandInModel {
  /** For OPENAI_BASE_URL (ends in /v1). */
  openAiBaseUrl: string;
  /** For ANTHROPIC_BASE_URL (the SDK adds /v1/messages). */
  anthropicBaseUrl: string;
  /** Every request, parsed, in arrival order. */
  requests: StandInRequest[];
  close(): Promise<void>;
}

const STOP_WORDS = new Set(["the", "and", "for", "this", "that", "with", "what", "from", "you", "your", "our", "all", "any", "can", "how", "its", "are", "was", "use", "into", "one", "have", "has", "not", "but", "when", "them", "then", "than", "each", "only", "more", "some"]);

function words(text: string): string[] {
  return (text.toLowerCase().match(/[a-z][a-z0-9]+/g) ?? []).filter((word) => word.length >= 3 && !STOP_WORDS.has(word));
}

const stem = (word: string) => word.slice(0, 5);

/** Arguments the way a careless model writes them: each required property filled from the prompt. */
function argumentsFor(tool: StandInTool, prompt: string): Record<string, unknown> {
  const properties = (tool.schema.properties ?? {}) as Record<string, { type?: string }>;
  const required = (tool.schema.required ?? []) as string[];
  const afterColon = prompt.includes(":") ? prompt.slice(prompt.lastIndexOf(":") + 1).trim() : prompt.trim();
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const type = properties[name]?.type;
    if (type === "integer" || type === "number") args[name] = Number(/\d+/.exec(prompt)?.[0] ?? 1);
    else if (type === "array") args[name] = [];
    else args[name] = afterColon || prompt;
  }
  return args;
}

/** Picks the tool whose name and description share the most word stems with the prompt; none below two. */
export const readsDescriptions: Policy = (request) => {
  const prompt = request.turns.at(-1)?.text ?? "";
  const asked = new Set(words(prompt).map(stem));
  let best: { tool: StandInTool; score: number } | undefined;
  for (const tool of request.tools) {
    const offered = new Set(words(`${tool.name.replace(/_/g, " ")} ${tool.description}`).map(stem));
    const score = [...asked].filter((word) => offered.has(word)).length;
    if (!best || score > best.score) best = { tool, score };
  }
  if (!best || best.score < 2) return { text: "I can answer that without a tool." };
  return { tool: best.tool.name, arguments: argumentsFor(best.tool, prompt) };
};

function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      try {
        resolve(JSON.parse(body) as Record<string, unknown>);
      } catch (error) {
        reject(error);
      }
    });
  });
}

type Message = { role: string; content: unknown };
const textOf = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? "").join("") : "";

const approxTokens = (text: string) => Math.ceil(text.length / 4);

export async function startModelStandIn(options: { key: string; policy: Policy }): Promise<StandInModel> {
  const requests: StandInRequest[] = [];
  let counter = 0;
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const body = await readJson(req);
      const id = ++counter;
      if (req.method === "POST" && req.url === "/v1/chat/completions") {
        if (req.headers.authorization !== `Bearer ${options.key}`) {
          const given = (req.headers.authorization ?? "").replace(/^Bearer /, "");
          return send(401, { error: { message: `Incorrect API key provided: ${given.slice(0, 5)}****${given.slice(-4)}.`, type: "invalid_request_error", code: "invalid_api_key" } });
        }
        const messages = body.messages as Message[];
        const request: StandInRequest = {
          api: "openai",
          model: String(body.model),
          system: messages.filter((m) => m.role === "system").map((m) => textOf(m.content)).join("\n"),
          turns: messages.filter((m) => m.role !== "system").map((m) => ({ role: m.role, text: textOf(m.content) })),
          tools: ((body.tools ?? []) as { function: { name: string; description?: string; parameters: Record<string, unknown> } }[]).map((t) => ({
            name: t.function.name,
            description: t.function.description ?? "",
            schema: t.function.parameters,
          })),
        };
        requests.push(request);
        const reply = options.policy(request);
        const message = "tool" in reply
          ? { role: "assistant", content: null, tool_calls: [{ id: `call_${id}`, type: "function", function: { name: reply.tool, arguments: JSON.stringify(reply.arguments) } }] }
          : { role: "assistant", content: reply.text };
        return send(200, {
          id: `chatcmpl-${id}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: request.model,
          choices: [{ index: 0, message, finish_reason: "tool" in reply ? "tool_calls" : "stop", logprobs: null }],
          usage: { prompt_tokens: approxTokens(JSON.stringify(body)), completion_tokens: 20, total_tokens: approxTokens(JSON.stringify(body)) + 20 },
        });
      }
      if (req.method === "POST" && req.url === "/v1/messages") {
        if (req.headers["x-api-key"] !== options.key && req.headers.authorization !== `Bearer ${options.key}`) return send(401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
        if (!req.headers["anthropic-version"]) return send(400, { type: "error", error: { type: "invalid_request_error", message: "anthropic-version: header is required" } });
        const request: StandInRequest = {
          api: "anthropic",
          model: String(body.model),
          system: textOf(body.system),
          turns: (body.messages as Message[]).map((m) => ({ role: m.role, text: textOf(m.content) })),
          tools: ((body.tools ?? []) as { name: string; description?: string; input_schema: Record<string, unknown> }[]).map((t) => ({
            name: t.name,
            description: t.description ?? "",
            schema: t.input_schema,
          })),
        };
        requests.push(request);
        const reply = options.policy(request);
        return send(200, {
          id: `msg_${id}`,
          type: "message",
          role: "assistant",
          model: request.model,
          content: "tool" in reply ? [{ type: "tool_use", id: `toolu_${id}`, name: reply.tool, input: reply.arguments }] : [{ type: "text", text: reply.text }],
          stop_reason: "tool" in reply ? "tool_use" : "end_turn",
          stop_sequence: null,
          usage: { input_tokens: approxTokens(JSON.stringify(body)), output_tokens: 20 },
        });
      }
      send(404, { error: { message: `the stand-in model serves POST /v1/chat/completions and POST /v1/messages, not ${req.method} ${req.url}` } });
    } catch (error) {
      send(400, { error: { message: `bad request: ${(error as Error).message}` } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openAiBaseUrl: `http://127.0.0.1:${port}/v1`,
    anthropicBaseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
