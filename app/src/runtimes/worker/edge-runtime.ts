/**
 * The edge runtime: a Cloudflare Worker serving `/<apiVersion>/mcp` in both
 * protocol eras. 2026-07-28 requests are answered here, statelessly; each
 * 2025-11-25 session lives in its own `McpSession` Durable Object. Built
 * for a catalog: the shipped one (index.ts) or with the conformance
 * fixtures added (with-fixtures.ts). Task requests (io.modelcontextprotocol/tasks)
 * go to the caller's `PrincipalState` object, where its tasks live and run.
 */
import { InMemoryServerEventBus, isInitializeRequest } from "@modelcontextprotocol/server";
import type { Caller } from "../../auth/caller.ts";
import { createResourceServer, ResourceServer } from "../../auth/resource-server.ts";
import { buildMcpServer, takesTasks } from "../../server/build-server.ts";
import { isTaskRequest } from "../../server/tasks.ts";
import { checkHost } from "../../server/host-rule.ts";
import { DEFAULT_MAX_BODY_BYTES, parseTokens, refuseOversizedHead } from "../../server/http-policy.ts";
import { jsonRpcErrorResponse, JsonRpcCode } from "../../server/json-rpc-error.ts";
import { createMcpEndpoint, type McpEndpoint } from "../../server/mcp-endpoint.ts";
import { unknownQuotaTools } from "../../server/quota-settings.ts";
import { QuotaGate, type ToolCallRequest } from "../../server/quotas.ts";
import { isToolCall, rateLimitedResponse } from "../../server/rate-limit.ts";
import type { Catalog } from "../../tools/index.ts";
import { builtinAuthFor, oauthEnv } from "./builtin-auth.ts";
import { workerSettings, type Env, type WorkerSettings } from "./env.ts";
import { FORWARD_HEADERS, mcpSessionClass } from "./mcp-session.ts";
import { PrincipalNoteStore, principalObject, principalStateClass } from "./principal-state.ts";
import { quotaDecisionPoints } from "./telemetry.ts";
import { workerHost } from "./worker-host.ts";

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What one isolate builds once per set of bindings: the endpoints, and the resource server whose key cache they share. */
interface Edge {
  endpoints: Map<string, McpEndpoint>;
  resourceServer: ResourceServer | undefined;
}

/** The Worker's fetch handler and its session object's class, serving `catalog`. */
export function edgeRuntime(catalog: Catalog) {
  const edges = new WeakMap<Env, Edge>();
  const handler = {
    fetch: (request: Request, env: Env, ctx: ExecutionContext) => serve(request, env, ctx, catalog, () => edgeFor(env, catalog, edges)),
  } satisfies ExportedHandler<Env>;
  return { handler, McpSession: mcpSessionClass(catalog), PrincipalState: principalStateClass(catalog) };
}

async function serve(request: Request, env: Env, ctx: ExecutionContext, catalog: Catalog, edgeOf: () => Edge): Promise<Response> {
  const settings = workerSettings(env);
  // The same Host rule as Node's, first: a malformed Host would not even make a URL.
  const refused = checkHost(request.headers.get("host"), settings.MCP_ALLOWED_HOSTS) ?? refuseOversizedHead(request);
  if (refused) return refused;
  const { pathname } = new URL(request.url);
  // Also under each API version's path, which routes to this version's Worker.
  if (pathname === "/healthz" || /^\/v\d+\/healthz$/.test(pathname)) {
    const devRun = settings.DEV_RUN_ID === undefined ? {} : { devRun: settings.DEV_RUN_ID };
    return Response.json({ ok: true, apiVersions: settings.API_VERSIONS, release: settings.RELEASE, color: settings.COLOR, ...devRun });
  }
  // The built-in authorization server's paths, on the first version's Worker in the cloud (auth/builtin/contract.ts).
  const builtin = builtinAuthFor(env, catalog);
  if (builtin?.serves(request)) return builtin.fetch(request, oauthEnv(env), ctx);
  const edge = edgeOf();
  const metadata = edge.resourceServer?.metadataResponse(request, publicOrigin(settings, request), settings.API_VERSIONS);
  if (metadata) return metadata;
  const apiVersion = /^\/(v\d+)\/mcp\/?$/.exec(pathname)?.[1];
  const endpoint = apiVersion === undefined ? undefined : edge.endpoints.get(apiVersion);
  if (endpoint === undefined) {
    const served = settings.API_VERSIONS.map((version) => `/${version}/mcp`).join(", ");
    return jsonRpcErrorResponse(404, JsonRpcCode.invalidRequest, `Not found: MCP is served at ${served}`);
  }
  return endpoint.fetch(request);
}

/** The canonical origin: the custom domain the infra binds, else wherever the request came in (wrangler dev, tests). */
function publicOrigin(settings: WorkerSettings, request: Request): URL {
  return new URL(settings.MCP_PUBLIC_URL ?? new URL(request.url).origin);
}

/** One endpoint per API version, built once per isolate. */
function edgeFor(env: Env, catalog: Catalog, edges: WeakMap<Env, Edge>): Edge {
  const built = edges.get(env);
  if (built !== undefined) return built;
  const settings = workerSettings(env);
  const staticTokens = parseTokens(settings.MCP_AUTH_TOKEN, settings.MCP_DEFAULT_PRINCIPAL);
  const builtin = builtinAuthFor(env, catalog);
  const tenantClaim = settings.MCP_QUOTAS?.tenantClaim;
  const oauth =
    settings.oauth &&
    createResourceServer({
      settings: settings.oauth,
      tools: catalog.tools,
      staticTokens,
      log: (line) => console.error(`[auth] ${line}`),
      ...(tenantClaim ? { tenantClaim } : {}),
      ...(builtin ? { verifierFor: (resource: URL) => builtin.verifierFor(oauthEnv(env), resource, tenantClaim) } : {}),
    });
  const quotas = edgeQuotas(env, settings, catalog);
  // This isolate's `subscriptions/listen` streams hear the changes its requests announce.
  const bus = new InMemoryServerEventBus((error) => console.error("[events]", error.message));
  // Task requests are served by the principal's object, which holds its tasks (principal-state.ts); the extension is advertised here.
  const host = workerHost(env, settings, catalog, new PrincipalNoteStore(env.PRINCIPAL_STATE), { ...(oauth ? { scopes: oauth.scopes } : {}), bus, tasksElsewhere: true });
  const taskTools = new Set(catalog.tools.filter(takesTasks).map((tool) => tool.name));
  const policy = {
    allowedOrigins: settings.MCP_ALLOWED_ORIGINS,
    // With an issuer, the resource server checks every token (static ones too).
    tokens: oauth ? new Map<string, string>() : staticTokens,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    bodyTimeoutMs: settings.MCP_REQUEST_TIMEOUT_MS,
    defaultPrincipal: settings.MCP_DEFAULT_PRINCIPAL,
  };
  const endpoints = new Map<string, McpEndpoint>();
  for (const apiVersion of settings.API_VERSIONS) {
    endpoints.set(
      apiVersion,
      createMcpEndpoint({
        policy,
        createServer: () => buildMcpServer(catalog, host),
        legacy: (request, caller, body, bodyText) => forwardToSession(env, apiVersion, request, caller, body, bodyText),
        ...(oauth
          ? { authenticate: (request: Request) => oauth.resourceServer.authenticate(request, ResourceServer.resourceOf(publicOrigin(settings, request), apiVersion)) }
          : {}),
        admitModern: (principal, body) => limitPrincipal(env, settings.RATE_LIMIT_PER_MINUTE, principal, body),
        ...(quotas ? { admitToolCall: (caller: Caller, call: ToolCallRequest) => quotas.admit(caller, call) } : {}),
        modernElsewhere: (body) => (isTaskRequest(body, taskTools) ? (request, caller, bodyText) => forwardToPrincipal(env, apiVersion, request, caller, bodyText) : undefined),
        onError: (error) => console.error(`[mcp ${apiVersion}]`, error.message),
        bus,
      }),
    );
  }
  const edge = { endpoints, resourceServer: oauth?.resourceServer };
  edges.set(env, edge);
  return edge;
}

/**
 * Quotas of both eras, counted in the `PrincipalState` object of their key:
 * the principal's own object, or one per tenant. A 2025-11-25 session's calls
 * are counted there too, before they go on to the session's object, so a
 * principal's sessions share one quota.
 */
function edgeQuotas(env: Env, settings: WorkerSettings, catalog: Catalog): QuotaGate | undefined {
  const quotas = settings.MCP_QUOTAS;
  if (quotas === undefined) return undefined;
  const tools = catalog.tools.map((tool) => tool.name);
  // Both slots' versions get the same MCP_QUOTAS: one without a tool it names ignores that entry (the stack checks the names).
  for (const line of unknownQuotaTools(quotas, "MCP_QUOTAS", "this Worker", tools)) console.error(`[quotas] ${line}; no call counts against it`);
  return new QuotaGate({ settings: quotas, take: (key, counters) => principalObject(env.PRINCIPAL_STATE, key).takeQuota(key, counters), sink: quotaDecisionPoints(env, settings), tools });
}

/** The session-less era's rate limit: tool calls per principal, counted in its PrincipalState object. */
async function limitPrincipal(env: Env, limit: number, principal: string, body: unknown): Promise<Response | undefined> {
  if (!isToolCall(body)) return undefined;
  const stub = principalObject(env.PRINCIPAL_STATE, `principal:${principal}`);
  const retryAfter = await stub.takeToolCall(limit);
  return retryAfter > 0 ? rateLimitedResponse(limit, retryAfter, body.id, "principal") : undefined;
}

/**
 * Sends a 2025-11-25 request to its session's object. Only an initialize
 * creates a session, under an id minted here; an id that is not ours is
 * answered 404 without waking any object.
 */
async function forwardToSession(env: Env, apiVersion: string, request: Request, caller: Caller, body: unknown, bodyText: string | undefined): Promise<Response> {
  const headers = forwardedHeaders(request, caller, apiVersion);
  let sessionId = request.headers.get("mcp-session-id");
  if (sessionId === null) {
    if (request.method !== "POST" || !isInitializeRequest(body)) {
      return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, "Bad Request: Mcp-Session-Id header is required (only initialize may start a session)");
    }
    sessionId = crypto.randomUUID();
    headers.set(FORWARD_HEADERS.newSession, sessionId);
  } else if (!SESSION_ID.test(sessionId)) {
    return jsonRpcErrorResponse(404, JsonRpcCode.invalidRequest, "Session not found: it expired, was deleted, or never existed; initialize a new one");
  }
  return forwardTo(env.MCP_SESSION.get(env.MCP_SESSION.idFromName(sessionId)), request, headers, bodyText);
}

/** Sends a 2026-07-28 task request (tasks.ts isTaskRequest) to the object of its caller's principal, which holds its tasks. */
function forwardToPrincipal(env: Env, apiVersion: string, request: Request, caller: Caller, bodyText: string | undefined): Promise<Response> {
  return forwardTo(principalObject(env.PRINCIPAL_STATE, `principal:${caller.principal}`), request, forwardedHeaders(request, caller, apiVersion), bodyText);
}

/** The request's headers as an object gets them: with the caller this Worker admitted, and without the token. */
function forwardedHeaders(request: Request, caller: Caller, apiVersion: string): Headers {
  const headers = new Headers(request.headers);
  for (const name of Object.values(FORWARD_HEADERS)) headers.delete(name);
  // The token was checked here; the object gets what it granted, never the token itself.
  headers.delete("authorization");
  headers.set(FORWARD_HEADERS.caller, JSON.stringify(caller));
  headers.set(FORWARD_HEADERS.apiVersion, apiVersion);
  return headers;
}

function forwardTo(stub: { fetch(url: string, init: RequestInit): Promise<Response> }, request: Request, headers: Headers, bodyText: string | undefined): Promise<Response> {
  return stub.fetch(request.url, {
    method: request.method,
    headers,
    // The bytes the client sent, already read and checked here: not the parsed body serialized again.
    ...(bodyText === undefined ? {} : { body: bodyText }),
    signal: request.signal,
  });
}
