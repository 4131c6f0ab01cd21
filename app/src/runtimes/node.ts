import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  hostHeaderValidationResponse,
  InMemoryServerEventBus,
  localhostAllowedHostnames,
  type McpServer,
  type ServerEventBus,
} from "@modelcontextprotocol/server";
import { buildMcpServer } from "../server/build-server.ts";
import { DEFAULT_MAX_BODY_BYTES, parseTokens, type HttpPolicy } from "../server/http-policy.ts";
import { jsonRpcErrorResponse, JsonRpcCode } from "../server/json-rpc-error.ts";
import { createMcpEndpoint, type McpEndpoint } from "../server/mcp-endpoint.ts";
import { SessionRouter } from "../server/session-router.ts";
import { createSignedToolEndpoint, SIGNED_TOOL_PATH } from "../server/signed-tool-endpoint.ts";
import type { ToolHost } from "../server/tool-host.ts";
import { SqlSessionStore } from "../sessions/sql.ts";
import { openDatabase } from "../state/sqlite-database.ts";
import { SqlKnowledgeBase } from "../state/sql-knowledge-base.ts";
import { SqlNoteStore } from "../state/sql-notes.ts";
import { tools as registry } from "../tools/index.ts";
import type { ToolDefinition } from "../tools/define.ts";
import type { NodeConfig } from "./node-config.ts";
import { createIsolatedRunner } from "./isolated-tools.ts";
import { serveFetch } from "./node-http.ts";

export interface NodeAppOptions {
  config: NodeConfig;
  /** The HMAC key the edge signs its calls with; without it `/tools/<name>` is not served. */
  upstreamSecret?: string;
  /** Where `modal` tools are served (the Modal app, or the local compute runner). */
  modal?: { url: string; secret: string };
  /** The tool registry; tests may pass a larger one, the shipped server never does. */
  tools?: readonly ToolDefinition[];
  /**
   * Test-only: called with every server this app builds (both protocol eras),
   * after the registry's tools are registered. Conformance fixtures use it to
   * register tools that need the SDK's own request context or the app's
   * change-event bus; the shipped server never passes it.
   */
  decorate?: (server: McpServer, app: { events: ServerEventBus }) => void;
}

export interface NodeApp {
  /** `body`: the request body already read by the HTTP adapter (the `Request` then has none). */
  fetch(request: Request, body?: Uint8Array): Promise<Response>;
  close(): Promise<void>;
}

/** How often idle sessions are swept out of memory and, when expired, out of the store. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The whole MCP service on Node: SQLite-backed sessions, scratchpad and
 * knowledge base, one endpoint per API version, and the same HTTP rules as
 * the Worker.
 */
export function createNodeApp({ config, modal, upstreamSecret, tools = registry, decorate }: NodeAppOptions): NodeApp {
  const db = openDatabase(config.databasePath);
  const notes = new SqlNoteStore(db);
  const sessions = new SqlSessionStore(db);
  const host: ToolHost = {
    local: { edge: { notes }, fly: { knowledgeBase: new SqlKnowledgeBase(db) } },
    upstream: modal ? { modal } : {},
    toolTimeoutMs: config.MCP_TOOL_TIMEOUT_MS,
    defaultPrincipal: config.MCP_DEFAULT_PRINCIPAL,
    logError: (message, error) => console.error(`[tool] ${message}:`, error),
    isolate: createIsolatedRunner(),
  };
  const policy: HttpPolicy = {
    allowedOrigins: config.MCP_ALLOWED_ORIGINS,
    tokens: parseTokens(config.MCP_AUTH_TOKEN, config.MCP_DEFAULT_PRINCIPAL),
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    defaultPrincipal: config.MCP_DEFAULT_PRINCIPAL,
  };
  const loopback = ["127.0.0.1", "localhost", "::1"].includes(config.HOST);
  // One change-event source for the `subscriptions/listen` streams of every endpoint.
  const events = new InMemoryServerEventBus((error) => console.error("[events]", error.message));
  const createServer = () => {
    const server = buildMcpServer(tools, host);
    decorate?.(server, { events });
    return server;
  };
  const routers: SessionRouter[] = [];
  const endpoints = new Map<string, McpEndpoint>();
  for (const apiVersion of config.MCP_API_VERSIONS) {
    const router = new SessionRouter({
      store: sessions,
      createServer,
      apiVersion,
      idleTimeoutMs: config.MCP_SESSION_IDLE_HOURS * 3_600_000,
      evictAfterMs: 15 * 60_000,
      retryIntervalMs: 1000,
      keepAliveMs: 15_000,
      maxBodyBytes: policy.maxBodyBytes,
      onSessionEnded: (id) => void notes.clear(`session:${id}`),
    });
    routers.push(router);
    endpoints.set(
      `/${apiVersion}/mcp`,
      createMcpEndpoint({
        policy,
        createServer,
        legacy: (request, principal, body) => router.handle(request, principal, body),
        onError: (error) => console.error(`[mcp ${apiVersion}]`, error.message),
        bus: events,
      }),
    );
  }
  const signedTools =
    upstreamSecret === undefined
      ? undefined
      : createSignedToolEndpoint({ tools, host, secret: upstreamSecret, maxBodyBytes: policy.maxBodyBytes });
  const sweeper = setInterval(() => routers.forEach((router) => router.sweep()), SWEEP_INTERVAL_MS).unref();

  return {
    async fetch(request, body) {
      // Bound to loopback, a foreign Host header means DNS rebinding: refuse it.
      const rebinding = loopback ? hostHeaderValidationResponse(request, localhostAllowedHostnames()) : undefined;
      if (rebinding) return rebinding;
      const { pathname } = new URL(request.url);
      if (pathname === "/healthz") {
        return Response.json({ ok: true, apiVersions: config.MCP_API_VERSIONS, liveSessions: routers.reduce((n, r) => n + r.liveSessions, 0) });
      }
      const endpoint = endpoints.get(pathname.replace(/\/$/, ""));
      if (endpoint) return endpoint.fetch(request, body);
      if (signedTools && SIGNED_TOOL_PATH.test(pathname)) return signedTools(body === undefined ? request : new Request(request, { body: body as Uint8Array<ArrayBuffer> }));
      return jsonRpcErrorResponse(404, JsonRpcCode.invalidRequest, `Not found: MCP is served at ${[...endpoints.keys()].join(", ")}`);
    },
    async close() {
      clearInterval(sweeper);
      await Promise.all([...routers.map((router) => router.close()), ...[...endpoints.values()].map((endpoint) => endpoint.close())]);
      db.close();
    },
  };
}

/** Listens on the configured host and port; resolves once accepting connections. */
export async function listen(app: NodeApp, config: NodeConfig): Promise<{ server: Server; url: string }> {
  const server = serveFetch(app.fetch, {
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    headersTimeoutMs: config.MCP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: Math.max(config.MCP_REQUEST_TIMEOUT_MS, config.MCP_HEADERS_TIMEOUT_MS),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  return { server, url: `http://${host}:${port}` };
}
