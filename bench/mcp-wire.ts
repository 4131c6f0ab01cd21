/**
 * MCP on the wire, as raw JSON-RPC over HTTP, for both protocol eras. The
 * benchmark sends these bytes itself instead of using an SDK client, so the
 * client's own overhead (schema validation, version negotiation) stays out of
 * the server's figures: the bytes are the ones the SDK clients send.
 */
import type { Answer, HttpClient } from "./http-client.ts";

export type Era = "2025-11-25" | "2026-07-28";
export const ERAS: readonly Era[] = ["2025-11-25", "2026-07-28"];

const CLIENT_INFO = { name: "mcp-hosting-bench", version: "1.0.0" };
const BASE_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

export interface ToolCall {
  tool: string;
  args: Record<string, unknown>;
}

export const ECHO: ToolCall = { tool: "echo", args: { text: "hello from the benchmark" } };
export const NOTE_ADD: ToolCall = { tool: "note_add", args: { text: "a scratchpad line written by the benchmark" } };

/** One client conversation: a 2025-11-25 session (initialized once) or 2026-07-28 stateless calls. */
export class McpConversation {
  readonly #client: HttpClient;
  readonly #path: string;
  readonly era: Era;
  readonly #headers: Record<string, string>;
  #nextId = 1;

  private constructor(client: HttpClient, path: string, era: Era, headers: Record<string, string>) {
    this.#client = client;
    this.#path = path;
    this.era = era;
    this.#headers = headers;
  }

  /** Initializes a 2025-11-25 session (initialize, then notifications/initialized); 2026-07-28 needs nothing. */
  static async open(client: HttpClient, path: string, era: Era, extraHeaders: Record<string, string> = {}): Promise<McpConversation> {
    if (era === "2026-07-28") {
      return new McpConversation(client, path, era, { ...BASE_HEADERS, ...extraHeaders, "mcp-protocol-version": era });
    }
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: era, capabilities: {}, clientInfo: CLIENT_INFO },
    });
    const answer = await client.post(path, initialize, { ...BASE_HEADERS, ...extraHeaders });
    const sessionId = answer.headers["mcp-session-id"];
    if (answer.status !== 200 || typeof sessionId !== "string") {
      throw new Error(`initialize failed: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    }
    const headers = { ...BASE_HEADERS, ...extraHeaders, "mcp-session-id": sessionId, "mcp-protocol-version": era };
    const initialized = await client.post(path, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), headers);
    if (initialized.status !== 202) throw new Error(`notifications/initialized: HTTP ${initialized.status}`);
    return new McpConversation(client, path, era, headers);
  }

  /** The request a tools/call sends, as the era's SDK client would write it. */
  toolCallRequest(call: ToolCall): { body: string; headers: Record<string, string> } {
    const id = this.#nextId++;
    if (this.era === "2025-11-25") {
      return { body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: call.tool, arguments: call.args } }), headers: this.#headers };
    }
    const _meta = {
      "io.modelcontextprotocol/protocolVersion": this.era,
      "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
      "io.modelcontextprotocol/clientCapabilities": {},
    };
    return {
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: call.tool, arguments: call.args, _meta } }),
      headers: { ...this.#headers, "mcp-method": "tools/call", "mcp-name": call.tool },
    };
  }

  /** The same conversation (session, headers, next request id) over another client's sockets. */
  on(client: HttpClient): McpConversation {
    const moved = new McpConversation(client, this.#path, this.era, this.#headers);
    moved.#nextId = this.#nextId;
    return moved;
  }

  async call(call: ToolCall): Promise<Answer> {
    const { body, headers } = this.toolCallRequest(call);
    return this.#client.post(this.#path, body, headers);
  }
}

/** Whether an answer is a successful tool result (JSON or a one-event SSE stream). */
export function isToolSuccess(answer: Answer): boolean {
  return answer.status === 200 && answer.body.includes('"result"') && !answer.body.includes('"isError":true');
}
