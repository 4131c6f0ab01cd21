import { DurableObject } from "cloudflare:workers";
import type { Caller } from "../../auth/caller.ts";
import { buildMcpServer } from "../../server/build-server.ts";
import { jsonRpcErrorResponse, JsonRpcCode } from "../../server/json-rpc-error.ts";
import { isToolCall, rateLimitedResponse, RateLimiter } from "../../server/rate-limit.ts";
import { SessionRouter } from "../../server/session-router.ts";
import { SqlSessionStore } from "../../sessions/sql.ts";
import { SESSION_MIGRATIONS } from "../../state/schema.ts";
import { migrate } from "../../state/sql.ts";
import { SqlNoteStore } from "../../state/sql-notes.ts";
import type { Catalog } from "../../tools/index.ts";
import { DurableObjectSql } from "./durable-object-sql.ts";
import { workerSettings, type Env } from "./env.ts";
import { workerHost } from "./worker-host.ts";

/** Headers only the Worker sets on a request it forwards here; clients' copies are stripped. */
export const FORWARD_HEADERS = {
  /** JSON of the admitted {@link Caller}: its principal and what its token granted. */
  caller: "x-mcp-caller",
  apiVersion: "x-mcp-api-version",
  newSession: "x-mcp-new-session",
} as const;

/**
 * The class of the session object serving `catalog`: one MCP session of the
 * 2025-11-25 era (`idFromName(sessionId)`), with its initialize request, SSE
 * event log and scratchpad in this object's SQLite storage. After an
 * eviction or a restart the initialize is replayed, so the client goes on
 * with the same `Mcp-Session-Id`.
 */
export function mcpSessionClass(catalog: Catalog) {
  return class extends McpSession {
    protected override readonly catalog = catalog;
  };
}

/** A session object; each Worker build makes its concrete class with {@link mcpSessionClass}. */
export abstract class McpSession extends DurableObject<Env> {
  protected abstract readonly catalog: Catalog;
  readonly #sql: DurableObjectSql;
  #router: SessionRouter | undefined;
  #limiter: RateLimiter | undefined;
  /** Whether this object's storage has its tables: asked of SQLite until they exist, then known. */
  #created = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = new DurableObjectSql(ctx.storage);
  }

  override async fetch(request: Request): Promise<Response> {
    const caller = callerOf(request.headers.get(FORWARD_HEADERS.caller));
    const apiVersion = request.headers.get(FORWARD_HEADERS.apiVersion);
    if (caller === undefined || apiVersion === null) {
      return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, "Bad Request: not forwarded by the Worker");
    }
    const creating = request.headers.has(FORWARD_HEADERS.newSession);
    // A lookup of an id that was never created answers 404 without writing anything.
    this.#created ||= this.#router !== undefined || this.#sql.hasTable("sessions");
    if (!creating && !this.#created) {
      return jsonRpcErrorResponse(404, JsonRpcCode.invalidRequest, "Session not found: it expired, was deleted, or never existed; initialize a new one");
    }
    const settings = workerSettings(this.env);
    const router = this.#routerFor(apiVersion);
    const body = request.method === "POST" ? await request.json() : undefined;
    if (isToolCall(body)) {
      this.#limiter ??= new RateLimiter(settings.RATE_LIMIT_PER_MINUTE);
      const retryAfter = this.#limiter.take();
      if (retryAfter > 0) return rateLimitedResponse(this.#limiter.limit, retryAfter, body.id);
    }
    const response = await router.handle(request, caller, body);
    if (request.method === "GET" && response.ok && settings.SSE_GET_MAX_MS > 0) this.#limitStream(request, settings.SSE_GET_MAX_MS);
    return response;
  }

  #routerFor(apiVersion: string): SessionRouter {
    if (this.#router !== undefined) return this.#router;
    const settings = workerSettings(this.env);
    migrate(this.#sql, SESSION_MIGRATIONS);
    const host = workerHost(this.env, settings, this.catalog, new SqlNoteStore(this.#sql));
    this.#router = new SessionRouter({
      store: new SqlSessionStore(this.#sql),
      createServer: () => buildMcpServer(this.catalog, host),
      apiVersion,
      // Idle expiry and memory eviction are the platform's: the object is evicted when idle.
      idleTimeoutMs: Number.POSITIVE_INFINITY,
      evictAfterMs: Number.POSITIVE_INFINITY,
      retryIntervalMs: 1000,
      keepAliveMs: settings.SSE_KEEPALIVE_MS,
      maxBodyBytes: 4 * 1024 * 1024,
      newSessionId: (request) => request.headers.get(FORWARD_HEADERS.newSession) ?? crypto.randomUUID(),
      // The object exists for this one session: once it ends, free all of its storage.
      onSessionEnded: () => {
        this.#router = undefined;
        this.#created = false;
        void this.ctx.storage.deleteAll();
      },
    });
    return this.#router;
  }

  /**
   * An open stream keeps this object in memory (it cannot hibernate), so a GET
   * stream ends when the client goes away and after `maxMs` at the latest; the
   * client reconnects with Last-Event-ID and misses nothing.
   */
  #limitStream(request: Request, maxMs: number): void {
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId === null) return;
    const close = () => {
      clearTimeout(timer);
      this.#router?.closeStandaloneStream(sessionId);
    };
    const timer = setTimeout(close, maxMs);
    request.signal.addEventListener("abort", close, { once: true });
  }
}

/** The caller the Worker forwarded; the Worker strips any copy a client sent, so this one is its own. */
export function callerOf(header: string | null): Caller | undefined {
  if (header === null) return undefined;
  const caller = JSON.parse(header) as Caller;
  return typeof caller.principal === "string" ? caller : undefined;
}
