import { createMcpHandler, isLegacyRequest, type McpServer, type ServerEventBus } from "@modelcontextprotocol/server";
import { authInfoOf, type Caller } from "../auth/caller.ts";
import { admitRequest, DRAIN_LIMIT_BYTES, refuseForeignOrigin, tooLarge, type HttpPolicy } from "./http-policy.ts";
import { decodeRequestBody, readRequestBody, requestTimeout } from "./request-body.ts";
import { initializeParamsProblem } from "./initialize-params.ts";
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from "./json-depth.ts";
import { plainEra } from "./plain-era.ts";
import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";
import { toolCallOf, type ToolCallRequest } from "./quotas.ts";

/**
 * Serves a 2025-11-25 (sessionful) request for an authenticated caller.
 * `bodyText` is the POST body as it came: a handler that sends the request on
 * (the Worker, to its session object) forwards these bytes instead of
 * serializing `parsedBody` again.
 */
export type LegacyHandler = (request: Request, caller: Caller, parsedBody: unknown, bodyText: string | undefined) => Promise<Response>;

/** Serves an admitted request elsewhere: `bodyText` is the POST body as it came. */
export type ForwardedHandler = (request: Request, caller: Caller, bodyText: string | undefined) => Promise<Response>;

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
   * Checked before a tool call of either era is served (quotas.ts): an answer
   * here is sent instead. In the 2026-07-28 era it runs after `admitModern`.
   */
  admitToolCall?: (caller: Caller, call: ToolCallRequest) => Promise<Response | undefined>;
  /**
   * Where a 2026-07-28 request is served instead of here, when it returns a
   * handler for it (the Worker: a task's calls, served by the principal's
   * Durable Object, which holds its tasks). Called after `admitModern`.
   */
  modernElsewhere?: (parsedBody: unknown) => ForwardedHandler | undefined;
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
  const modern = createModernHandler(options.createServer, { maxBodyBytes: policy.maxBodyBytes, ...(options.onError ? { onError: options.onError } : {}), ...(options.bus ? { bus: options.bus } : {}) });

  async function serve(request: Request, preread: Uint8Array | undefined): Promise<Response> {
    // A browser sends a CORS preflight without credentials (Fetch standard, CORS-preflight request):
    // it is answered on its Origin alone, or no browser client could call a server with auth on.
    if (request.method === "OPTIONS") return refuseForeignOrigin(request, policy) ?? new Response(null, { status: 204, headers: CORS_HEADERS });
    const admission = admitRequest(request, policy);
    if (!admission.ok) return admission.response;
    const caller = options.authenticate ? await options.authenticate(request) : { principal: admission.principal };
    if (caller instanceof Response) return caller;
    if (!["GET", "POST", "DELETE"].includes(request.method)) {
      return jsonRpcErrorResponse(405, JsonRpcCode.invalidRequest, `Method ${request.method} is not allowed`, {
        headers: { allow: "GET, POST, DELETE, OPTIONS" },
      });
    }
    let parsedBody: unknown;
    let bodyText: string | undefined;
    if (request.method === "POST") {
      const contentType = request.headers.get("content-type") ?? "";
      if (!/^application\/json\s*(;|$)/i.test(contentType)) {
        return jsonRpcErrorResponse(415, JsonRpcCode.invalidRequest, "Unsupported Media Type: Content-Type must be application/json");
      }
      if (Number(request.headers.get("content-length") ?? 0) > DRAIN_LIMIT_BYTES) return tooLarge(policy.maxBodyBytes);
      const body = preread === undefined ? await readRequestBody(request, policy) : decodeRequestBody(preread, policy.maxBodyBytes);
      if (body === "too-large") return tooLarge(policy.maxBodyBytes);
      if (body === "timeout") return requestTimeout(policy.bodyTimeoutMs);
      if (nestsDeeperThan(body)) return jsonRpcErrorResponse(400, JsonRpcCode.parseError, TOO_DEEP_MESSAGE);
      bodyText = body;
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
    const era = plainEra(request.method, parsedBody, request.headers.get("mcp-protocol-version")) ?? ((await isLegacyRequest(request, parsedBody, { maxRequestBodySize: policy.maxBodyBytes })) ? "legacy" : "modern");
    const call = options.admitToolCall && toolCallOf(parsedBody, era !== "legacy");
    if (era === "legacy") {
      const refused = refuseBadInitialize(parsedBody) ?? (call ? await options.admitToolCall!(caller, call) : undefined);
      return refused ?? options.legacy(request, caller, parsedBody, bodyText);
    }
    const refused = (await options.admitModern?.(caller.principal, parsedBody)) ?? (call ? await options.admitToolCall!(caller, call) : undefined);
    if (refused !== undefined) return refused;
    const elsewhere = options.modernElsewhere?.(parsedBody);
    if (elsewhere !== undefined) return elsewhere(request, caller, bodyText);
    return modern.fetch(request, caller, parsedBody);
  }

  return {
    async fetch(request, body) {
      const response = await serve(request, body);
      return withCors(request, response);
    },
    close: () => modern.close(),
  };
}

/** The 2026-07-28 (stateless) handler: a server per request, for a caller already admitted. */
export interface ModernHandler {
  fetch(request: Request, caller: Caller, parsedBody: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Serves 2026-07-28 requests of admitted callers with a new server each: the
 * endpoint's own, and the Worker's principal object for the requests it is
 * forwarded (runtimes/worker/principal-state.ts).
 */
export function createModernHandler(createServer: () => McpServer, options: { maxBodyBytes: number; onError?: (error: Error) => void; bus?: ServerEventBus }): ModernHandler {
  const handler = createMcpHandler(() => createServer(), {
    legacy: "reject",
    maxRequestBodySize: options.maxBodyBytes,
    ...(options.onError ? { onerror: options.onError } : {}),
    ...(options.bus ? { bus: options.bus } : {}),
  });
  return {
    fetch: (request, caller, parsedBody) => handler.fetch(request, { authInfo: authInfoOf(caller), ...(parsedBody === undefined ? {} : { parsedBody }) }),
    close: () => handler.close(),
  };
}

/** A 2025-11-25 initialize whose params are not what the revision requires gets -32602 naming them (2026-07-28 has no initialize). */
function refuseBadInitialize(body: unknown): Response | undefined {
  const message = body as { method?: unknown; id?: unknown } | undefined;
  const problem = message?.method === "initialize" ? initializeParamsProblem(body) : undefined;
  if (problem === undefined) return undefined;
  const id = typeof message?.id === "string" || typeof message?.id === "number" ? message.id : null;
  return jsonRpcErrorResponse(400, JsonRpcCode.invalidParams, problem, { id });
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
