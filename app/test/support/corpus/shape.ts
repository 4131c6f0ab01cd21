// The shape of the attack corpus: a case is a request and what the server must answer, on either runtime.
import type { RawAnswer, RawRequest } from "../raw-http.ts";

export type Runtime = "node" | "edge";

/** A server under attack, and what a case may use of it. */
export interface Target {
  runtime: Runtime;
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The Host a client of it sends, e.g. 127.0.0.1:41234 */
  host: string;
  /** Alice's scratch session (cases may write to it): Mcp-Session-Id and MCP-Protocol-Version. */
  session: Record<string, string>;
  /** A session of Bob's, which Alice must not reach. */
  bobSession: Record<string, string>;
  /** What the target's limits for slow clients say (ms). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** How a case's bytes go out: a normal HTTP request, raw bytes on a socket, or a head then a trickled body. */
export type Send = RawRequest | { bytes: string } | { head: string; trickle: string; intervalMs: number };

export interface Expectation {
  status: number;
  /** The JSON-RPC error: code and message. */
  error?: { code: number; message: RegExp };
  /** A tool result with isError, whose text matches. */
  tool?: RegExp;
  /** Anything else about the answer. */
  check?: (answer: RawAnswer, target: Target) => void;
  /** Answered by the platform in front of our code, not by it: the body need not be JSON. */
  platform?: true;
  /** A slow client: the answer must not come before this long (the limit's doing, not an accident). */
  notBeforeMs?: (target: Target) => number;
}

export interface Case {
  name: string;
  send: (target: Target) => Send;
  expect: Expectation;
  /** Where a runtime answers differently, or cannot be asked (with the reason). */
  on?: Partial<Record<Runtime, Partial<Expectation> | { skip: string }>>;
}

export const ALICE = "alice-token-0123456789abcdef";
export const BOB = "bob-token-0123456789abcdef";
export const ALLOWED_ORIGIN = "https://app.example.com";
export const UPSTREAM_SECRET = "corpus-upstream-secret-0123456789";

export const AUTH = { authorization: `Bearer ${ALICE}` };
export const BOB_AUTH = { authorization: `Bearer ${BOB}` };
export const JSON_POST = { ...AUTH, "content-type": "application/json", accept: "application/json, text/event-stream" };

export const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "corpus", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

export const initialize = (protocolVersion = "2025-11-25") => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "corpus", version: "1" } },
});
export const call = (name: string, args: unknown) => ({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } });
export const modernCall = (name: string, args: unknown, meta: object = MODERN_META) => ({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name, arguments: args, _meta: meta } });
export const modernHeaders = (name: string, version = "2026-07-28", auth: Record<string, string> = AUTH) => ({
  ...JSON_POST,
  ...auth,
  "mcp-protocol-version": version,
  "mcp-method": "tools/call",
  "mcp-name": name,
});

/** A POST of `body` (JSON unless a string) with `headers`. */
export const post = (body: unknown, headers: Record<string, string> = JSON_POST): RawRequest => ({ body: typeof body === "string" ? body : JSON.stringify(body), headers });

/** A POST in Alice's scratch session. */
export const inSession = (target: Target, body: unknown, headers: Record<string, string> = {}): RawRequest => post(body, { ...JSON_POST, ...target.session, ...headers });

/** Raw bytes of a request to /v1/mcp, its body given in full, the connection closed after the answer. */
export function rawPost(target: Target, body: string, headers: Record<string, string> = {}, { host = target.host, target: path = "/v1/mcp" } = {}): { bytes: string } {
  const lines = [`POST ${path} HTTP/1.1`, ...(host === "" ? [] : [`Host: ${host}`])];
  const all = { ...JSON_POST, "content-length": String(Buffer.byteLength(body)), connection: "close", ...headers };
  for (const [name, value] of Object.entries(all)) lines.push(`${name}: ${value}`);
  return { bytes: `${lines.join("\r\n")}\r\n\r\n${body}` };
}
