import { createMcpHandler, isLegacyRequest, type McpServer, type ServerEventBus } from "@modelcontextprotocol/server";
import { authInfoOf, type Caller } from "../auth/caller.ts";
import { admitRequest, DRAIN_LIMIT_BYTES, tooLarge, type HttpPolicy } from "./http-policy.ts";
import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";

/** Serves a 2025-11-25 (sessionful) request for an authenticated caller. */
export type LegacyHandler = (request: Request, caller: Caller, parsedBody: unknown) => Promise<Response>;

export interface McpEndpointOptions {
  policy: HttpPolicy;
  /** Builds the server for one 2026-07-28 request. */
  createServer: () => McpServer;
  /** Where 2025-11-25 traffic goes: a session router (Node) or a Durable Object (Workers). */
  legacy: LegacyHandler;
  /**
   * Checked before a 2026-07-28 request is served: an answer here (e.g. a
   * rate limit) is sent instead. That era has no session to hold the check.
   */
  admitModern?: (principal: string, parsedBody: unknown) => Promise<Response | undefined>;
  /**
   * Set when the server takes OAuth access tokens (the HTTP policy then holds
   * no tokens): admits the request's caller, or answers 401/403/503.
   */
  authenticate?: (request: Request) => Promise<Caller | Response>;
  /** Logs errors the SDK reports out of band. */
  onError?: (error: Error) => void;
  /**
   * Where list-change events for `subscriptions/listen` streams come from;
   * the SDK creates a private in-memory bus when omitted.
   */
  bus?: ServerEventBus;
}

export interface McpEndpoint {
  /** `body`: the POST body when the runtime has already read it (Node); otherwise it is read from the request. */
  fetch(request: Request, body?: Uint8Array): Promise<Response>;
  close(): Promise<void>;
}

const CORS_HEADERS = {
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers":
    "authorization, content-type, accept, last-event-id, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name",
  "access-control-expose-headers": "mcp-session-id, mcp-protocol-version, www-authenticate",
  "access-control-max-age": "600",
};

/**
 * One MCP endpoint (`/<apiVersion>/mcp`) speaking both protocol eras: HTTP
 * rules first, then the SDK's own classification routes 2026-07-28 requests to
 * the stateless handler and 2025-11-25 requests to the sessionful one.
 */
export function createMcpEndpoint(options: McpEndpointOptions): McpEndpoint {
  const { policy } = options;
  const modern = createMcpHandler(() => options.createServer(), {
    legacy: "reject",
    maxRequestBodySize: policy.maxBodyBytes,
    ...(options.onError ? { onerror: options.onError } : {}),
    ...(options.bus ? { bus: options.bus } : {}),
  });

  async function serve(request: Request, preread: Uint8Array | undefined): Promise<Response> {
    const admission = admitRequest(request, policy);
    if (!admission.ok) return admission.response;
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
    const caller = options.authenticate ? await options.authenticate(request) : { principal: admission.principal };
    if (caller instanceof Response) return caller;
    if (!["GET", "POST", "DELETE"].includes(request.method)) {
      return jsonRpcErrorResponse(405, JsonRpcCode.invalidRequest, `Method ${request.method} is not allowed`, {
        headers: { allow: "GET, POST, DELETE, OPTIONS" },
      });
    }
    let parsedBody: unknown;
    if (request.method === "POST") {
      const contentType = request.headers.get("content-type") ?? "";
      if (!/^application\/json\s*(;|$)/i.test(contentType)) {
        return jsonRpcErrorResponse(415, JsonRpcCode.invalidRequest, "Unsupported Media Type: Content-Type must be application/json");
      }
      if (Number(request.headers.get("content-length") ?? 0) > DRAIN_LIMIT_BYTES) return tooLarge(policy.maxBodyBytes);
      const body = preread === undefined ? await readBody(request, policy.maxBodyBytes) : decodeBody(preread, policy.maxBodyBytes);
      if (body === undefined) return tooLarge(policy.maxBodyBytes);
      try {
        parsedBody = JSON.parse(body);
      } catch {
        return jsonRpcErrorResponse(400, JsonRpcCode.parseError, "Parse error: the body is not valid JSON");
      }
      if (Array.isArray(parsedBody)) {
        return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, "Invalid Request: JSON-RPC batches are not supported (removed in protocol 2025-06-18)");
      }
      if (parsedBody === null || typeof parsedBody !== "object") {
        return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, "Invalid Request: expected a JSON-RPC message object");
      }
    }
    if (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: policy.maxBodyBytes })) {
      return options.legacy(request, caller, parsedBody);
    }
    const refused = await options.admitModern?.(caller.principal, parsedBody);
    if (refused !== undefined) return refused;
    return modern.fetch(request, { authInfo: authInfoOf(caller), ...(parsedBody === undefined ? {} : { parsedBody }) });
  }

  return {
    async fetch(request, body) {
      const response = await serve(request, body);
      return withCors(request, response);
    },
    close: () => modern.close(),
  };
}

/** Reads the body as text, or `undefined` when it exceeds the limit (draining the rest, up to a bound). */
async function readBody(request: Request, maxBytes: number): Promise<string | undefined> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > DRAIN_LIMIT_BYTES) {
      await reader.cancel();
      return undefined;
    }
    if (size <= maxBytes) chunks.push(value);
  }
  if (size > maxBytes) return undefined;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function decodeBody(body: Uint8Array, maxBytes: number): string | undefined {
  return body.byteLength > maxBytes ? undefined : new TextDecoder().decode(body);
}

function withCors(request: Request, response: Response): Response {
  const origin = request.headers.get("origin");
  if (origin === null || response.status === 403) return response;
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", origin);
  headers.append("vary", "origin");
  for (const [name, value] of Object.entries(CORS_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
