import {
  isInitializeRequest,
  WebStandardStreamableHTTPServerTransport,
  type McpServer,
} from "@modelcontextprotocol/server";
import { authInfoOf, type Caller } from "../auth/caller.ts";
import type { SessionStore } from "../sessions/session-store.ts";
import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";

export interface SessionRouterOptions {
  store: SessionStore;
  /** Builds a fresh server; called for a new session and for a session restored after a restart. */
  createServer: () => McpServer;
  apiVersion: string;
  /** Sessions idle this long are forgotten, in memory and in the store. */
  idleTimeoutMs: number;
  /** In-memory sessions idle this long are dropped from memory only; they come back from the store. */
  evictAfterMs: number;
  /** Suggested reconnect delay for SSE clients. */
  retryIntervalMs: number;
  keepAliveMs: number;
  maxBodyBytes: number;
  /** Called when a session ends (DELETE or expiry), to drop its per-session state. */
  onSessionEnded?: (sessionId: string) => void;
  /**
   * The id of a new session. By default a random UUID; a Durable Object takes
   * the one the Worker minted to address it.
   */
  newSessionId?: (request: Request) => string;
  now?: () => number;
}

interface LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  principal: string;
  lastUsed: number;
  /** When `lastUsed` was last written to the store. */
  lastStored: number;
}

/**
 * How stale a live session's stored last-use time may get. Expiry counts in
 * hours, so writing it on every request (a SQLite write per call) buys nothing.
 */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * Serves the 2025-11-25 era: one SDK transport per `Mcp-Session-Id`. A session
 * is created only by an initialize request; its initialize request is stored,
 * and a request for a session this process does not hold (after a restart, or
 * after eviction from memory) replays it into a fresh server first.
 */
export class SessionRouter {
  readonly #options: SessionRouterOptions;
  readonly #live = new Map<string, LiveSession>();
  readonly #restoring = new Map<string, Promise<LiveSession>>();
  readonly #now: () => number;

  constructor(options: SessionRouterOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get liveSessions(): number {
    return this.#live.size;
  }

  /** `parsedBody` is the POST body, already read and parsed by the endpoint. */
  async handle(request: Request, caller: Caller, parsedBody: unknown): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId === null) return this.#initialize(request, caller, parsedBody);
    const session = await this.#find(sessionId, caller.principal);
    if (session === undefined) {
      return jsonRpcErrorResponse(404, JsonRpcCode.invalidRequest, "Session not found: it expired, was deleted, or never existed; initialize a new one");
    }
    session.lastUsed = this.#now();
    if (session.lastUsed - session.lastStored >= TOUCH_INTERVAL_MS) {
      this.#options.store.touch(sessionId, session.lastUsed);
      session.lastStored = session.lastUsed;
    }
    // A client reconnecting its GET stream replaces the old one, which may not have noticed the drop yet.
    if (request.method === "GET") session.transport.closeStandaloneSSEStream();
    return session.transport.handleRequest(request, {
      authInfo: authInfoOf(caller),
      ...(parsedBody === undefined ? {} : { parsedBody }),
    });
  }

  /** Drops idle sessions: from memory after `evictAfterMs`, for good after `idleTimeoutMs`. */
  sweep(): void {
    const now = this.#now();
    for (const [id, session] of this.#live) {
      if (now - session.lastUsed > this.#options.evictAfterMs) this.#forget(id, session);
    }
    for (const id of this.#options.store.expire(now - this.#options.idleTimeoutMs)) {
      const session = this.#live.get(id);
      if (session !== undefined) this.#forget(id, session);
      this.#options.onSessionEnded?.(id);
    }
  }

  /** Ends the session's standalone GET stream, if open; the client reconnects with Last-Event-ID. */
  closeStandaloneStream(sessionId: string): void {
    this.#live.get(sessionId)?.transport.closeStandaloneSSEStream();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#live].map(async ([id, session]) => this.#forget(id, session)));
  }

  async #initialize(request: Request, caller: Caller, body: unknown): Promise<Response> {
    const { principal } = caller;
    if (request.method !== "POST") {
      return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, "Bad Request: Mcp-Session-Id header is required");
    }
    if (!isInitializeRequest(body)) {
      return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, "Bad Request: Mcp-Session-Id header is required (only initialize may start a session)");
    }
    const sessionId = this.#options.newSessionId?.(request) ?? crypto.randomUUID();
    const session = await this.#open(principal, sessionId, (id) => {
      const now = this.#now();
      this.#options.store.create({
        id,
        principal,
        apiVersion: this.#options.apiVersion,
        protocolVersion: body.params.protocolVersion,
        initializeRequest: body,
        createdAt: now,
        lastSeenAt: now,
      });
    });
    return session.transport.handleRequest(request, { parsedBody: body, authInfo: authInfoOf(caller) });
  }

  async #find(sessionId: string, principal: string): Promise<LiveSession | undefined> {
    const live = this.#live.get(sessionId);
    if (live !== undefined) return live.principal === principal ? live : undefined;
    const record = this.#options.store.get(sessionId);
    // A session belongs to whoever created it; to anyone else it does not exist.
    if (record === undefined || record.principal !== principal || record.apiVersion !== this.#options.apiVersion) return undefined;
    let restoring = this.#restoring.get(sessionId);
    if (restoring === undefined) {
      restoring = this.#restore(sessionId, principal, record.initializeRequest).finally(() => this.#restoring.delete(sessionId));
      this.#restoring.set(sessionId, restoring);
    }
    return restoring;
  }

  /** Replays the stored initialize into a fresh server so the transport accepts the session id again. */
  async #restore(sessionId: string, principal: string, initializeRequest: unknown): Promise<LiveSession> {
    const gate = { replaying: true };
    const session = await this.#open(principal, sessionId, () => undefined, gate);
    const replay = new Request("http://session.restore/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(initializeRequest),
    });
    const response = await session.transport.handleRequest(replay, { parsedBody: initializeRequest, authInfo: authInfoOf({ principal }) });
    await response.body?.cancel();
    gate.replaying = false;
    session.lastUsed = this.#now();
    // The stored time may be hours old: the first request after a restore writes it.
    session.lastStored = Number.NEGATIVE_INFINITY;
    return session;
  }

  async #open(
    principal: string,
    sessionId: string,
    persist: (id: string) => void,
    gate = { replaying: false },
  ): Promise<LiveSession> {
    const store = this.#options.store;
    const events = store.events(sessionId);
    const server = this.#options.createServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => sessionId,
      // The replayed initialize's own answer must not enter the client's event log.
      eventStore: gate.replaying ? muteWhile(events, () => gate.replaying) : events,
      retryInterval: this.#options.retryIntervalMs,
      keepAliveMs: this.#options.keepAliveMs,
      maxRequestBodySize: this.#options.maxBodyBytes,
      onsessioninitialized: (id) => {
        persist(id);
        this.#live.set(id, session);
      },
      onsessionclosed: (id) => {
        this.#live.delete(id);
        store.delete(id);
        this.#options.onSessionEnded?.(id);
      },
    });
    const now = this.#now();
    const session: LiveSession = { transport, server, principal, lastUsed: now, lastStored: now };
    await server.connect(transport);
    return session;
  }

  #forget(id: string, session: LiveSession): void {
    this.#live.delete(id);
    // Closing the transport ends its open streams; the stored session stays restorable.
    void session.server.close().catch(() => undefined);
  }
}


function muteWhile<T extends object>(events: T, muted: () => boolean): T {
  let dropped = 0;
  return new Proxy(events, {
    get(target, property, receiver) {
      if (property === "storeEvent" && muted()) return async () => `restore-${++dropped}`;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
