import type { Server } from "node:http";
import type { Caller } from "../auth/caller.ts";
import { dirname } from "node:path";
import type { AddressInfo } from "node:net";
import { InMemoryServerEventBus } from "@modelcontextprotocol/server";
import { buildMcpServer, resumeTasks } from "../server/build-server.ts";
import { edgeOnlyResponse } from "../server/edge-only.ts";
import { checkHost } from "../server/host-rule.ts";
import { DEFAULT_MAX_BODY_BYTES, parseTokens, type HttpPolicy } from "../server/http-policy.ts";
import { jsonRpcErrorResponse, JsonRpcCode } from "../server/json-rpc-error.ts";
import { createMcpEndpoint, type McpEndpoint } from "../server/mcp-endpoint.ts";
import { unknownQuotaTools, type QuotaSettings } from "../server/quota-settings.ts";
import { QuotaGate, type ToolCallRequest } from "../server/quotas.ts";
import { SessionRouter } from "../server/session-router.ts";
import { createSignedCallEndpoint, isSignedCallPath } from "../server/signed-call-endpoint.ts";
import { hostServices, type ToolHost } from "../server/tool-host.ts";
import type { RegionRole } from "../server/writer-region.ts";
import { SqlSessionStore } from "../sessions/sql.ts";
import { openDatabase, type NodeSql } from "../state/sqlite-database.ts";
import { SqlKnowledgeBase } from "../state/sql-knowledge-base.ts";
import { SqlNoteStore } from "../state/sql-notes.ts";
import { SqlQuotaLedger } from "../state/sql-quotas.ts";
import { SqlReplayGuard } from "../state/sql-replay-guard.ts";
import { SqlTaskStore } from "../state/sql-tasks.ts";
import { logTasks, TaskRunner } from "../server/tasks.ts";
import { createNodeTelemetry, type NodeTelemetry } from "../telemetry/node/node-telemetry.ts";
import { QuotaDecisionCount } from "../telemetry/node/quota-decisions.ts";
import { catalog as shipped, type Catalog } from "../tools/index.ts";
import type { ToolDefinition } from "../tools/define.ts";
import type { NodeConfig } from "./node-config.ts";
import { createIsolatedRunner } from "./isolated-tools.ts";
import { PrimaryCopy } from "./primary-copy.ts";
import { serveFetch } from "./node-http.ts";

export interface NodeAppOptions {
  config: NodeConfig;
  /** The HMAC key the edge signs its calls with; without it the signed calls (`/tools/<name>`, …) are not served. */
  upstreamSecret?: string;
  /** Where `modal` tools are served (the Modal app, or the local compute runner). */
  modal?: { url: string; secret: string };
  /**
   * What the server serves: the shipped catalog, with the conformance
   * fixtures added under `MCP_FIXTURES=conformance` (node-main.ts); tests add
   * misbehaving tools of their own.
   */
  catalog?: Catalog;
}

export interface NodeApp {
  /** `body`: the request body already read by the HTTP adapter (the `Request` then has none). */
  fetch(request: Request, body?: Uint8Array): Promise<Response>;
  /** `GET /metrics`: the Prometheus exposition of `mcp.server.operation.duration`. */
  metrics(): Promise<Response>;
  /** Where the server listens; without `MCP_PUBLIC_URL`, the canonical URI of each endpoint is made from it. */
  served(origin: string): void;
  close(): Promise<void>;
}

/** How often idle sessions are swept out of memory and, when expired, out of the store. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The whole MCP service on Node: SQLite-backed sessions, scratchpad and
 * knowledge base, one endpoint per API version, and the same HTTP rules as
 * the Worker.
 */
export async function createNodeApp({ config, modal, upstreamSecret, catalog = shipped }: NodeAppOptions): Promise<NodeApp> {
  // Every release a Fly machine runs reads the same MCP_QUOTAS: one without a tool it names ignores that entry (the stack checks the names).
  if (config.MCP_QUOTAS) for (const line of unknownQuotaTools(config.MCP_QUOTAS, "MCP_QUOTAS", "this server", catalog.tools.map((tool) => tool.name))) console.error(`[quotas] ${line}; no call counts against it`);
  const db = openDatabase(config.databasePath);
  const notes = new SqlNoteStore(db);
  // Each SQLite commit is a WAL append: SSE events are written within 10 ms of being sent, many per commit (event-log.ts).
  const sessions = new SqlSessionStore(db, { eventWrites: "batched" });
  const primaryCopy = openPrimaryCopy(config);
  const region = regionRole(config, primaryCopy);
  // One change-event source for the `subscriptions/listen` streams of every endpoint.
  const events = new InMemoryServerEventBus((error) => console.error("[events]", error.message));
  const observed = await nodeTelemetry(config, catalog.tools);
  const host: ToolHost = {
    local: { edge: { notes }, fly: { knowledgeBase: primaryCopy?.knowledgeBase ?? new SqlKnowledgeBase(db) } },
    upstream: modal ? { modal } : {},
    region,
    toolTimeoutMs: config.MCP_TOOL_TIMEOUT_MS,
    defaultPrincipal: config.MCP_DEFAULT_PRINCIPAL,
    logError: (message, error) => console.error(`[tool] ${message}:`, error),
    isolate: createIsolatedRunner(),
    ...hostServices(upstreamSecret, config.MCP_DEFAULT_PRINCIPAL, events),
    telemetry: observed.telemetry,
    // A signed call this region forwards to the primary carries the trace context of the call it serves.
    fetch: observed.signedCalls.fetch,
    // Tasks live in this database: a task outlives its request and its client's connection; its record outlives the process.
    tasks: new TaskRunner(new SqlTaskStore(db), logTasks),
  };
  // Tasks whose process died (a crash, a restart) are run again here when they can be.
  const resumable = resumeTasks(catalog, host);
  host.tasks!.resumeWith(resumable.tools, resumable.resume);
  const staticTokens = parseTokens(config.MCP_AUTH_TOKEN, config.MCP_DEFAULT_PRINCIPAL);
  // With an issuer, the resource server checks every token (static ones too); the policy keeps the origin rule.
  // The resource server (and jose with it) is loaded only where tokens come from an issuer: it costs every other start.
  const auth = config.oauth ? await import("../auth/resource-server.ts") : undefined;
  const tenantClaim = config.MCP_QUOTAS?.tenantClaim;
  const oauth =
    config.oauth && auth?.createResourceServer({ settings: config.oauth, tools: catalog.tools, staticTokens, log: (line) => console.error(`[auth] ${line}`), ...(tenantClaim ? { tenantClaim } : {}) });
  if (oauth) host.scopes = oauth.scopes;
  let origin = config.MCP_PUBLIC_URL === undefined ? undefined : new URL(config.MCP_PUBLIC_URL);
  const publicOrigin = () => {
    if (origin === undefined) throw new Error("the canonical URI is unknown until the server listens (NodeApp.served)");
    return origin;
  };
  const policy: HttpPolicy = {
    allowedOrigins: config.MCP_ALLOWED_ORIGINS,
    tokens: oauth ? new Map() : staticTokens,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    bodyTimeoutMs: config.MCP_REQUEST_TIMEOUT_MS,
    defaultPrincipal: config.MCP_DEFAULT_PRINCIPAL,
  };
  const quotaDecisions = new QuotaDecisionCount();
  const quotas = config.MCP_QUOTAS && nodeQuotas(config.MCP_QUOTAS, db, catalog, quotaDecisions);
  const loopback = ["127.0.0.1", "localhost", "::1"].includes(config.HOST);
  const createServer = () => buildMcpServer(catalog, host);
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
        legacy: (request, caller, body) => router.handle(request, caller, body),
        ...(quotas ? { admitToolCall: (caller: Caller, call: ToolCallRequest) => quotas.admit(caller, call) } : {}),
        ...(oauth && auth ? { authenticate: (request: Request) => oauth.resourceServer.authenticate(request, auth.ResourceServer.resourceOf(publicOrigin(), apiVersion)) } : {}),
        onError: (error) => console.error(`[mcp ${apiVersion}]`, error.message),
        bus: events,
      }),
    );
  }
  const signedTools =
    upstreamSecret === undefined
      ? undefined
      : createSignedCallEndpoint({ catalog, host, secret: upstreamSecret, release: config.MCP_RELEASE, maxBodyBytes: policy.maxBodyBytes, replays: new SqlReplayGuard(db) });
  // Sessions that expire within minutes (a test's) are swept as often as their lifetime needs.
  const sweepMs = Math.min(SWEEP_INTERVAL_MS, Math.max(100, (config.MCP_SESSION_IDLE_HOURS * 3_600_000) / 2));
  const metrics = async () =>
    new Response((await observed.metric.exposition()) + quotaDecisions.exposition(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" } });
  const sweeper = setInterval(() => routers.forEach((router) => router.sweep()), sweepMs).unref();

  return {
    async fetch(request, body) {
      // Bound to loopback, a foreign Host header means DNS rebinding: refuse it.
      const refused = checkHost(request.headers.get("host"), loopback ? "localhost" : undefined);
      if (refused) return refused;
      const { pathname } = new URL(request.url);
      if (pathname === "/healthz") {
        return Response.json({
          ok: true,
          apiVersions: config.MCP_API_VERSIONS,
          liveSessions: routers.reduce((n, r) => n + r.liveSessions, 0),
          region: region.region ?? null,
          primaryRegion: region.kind === "primary" ? (region.region ?? null) : region.primaryRegion,
          knowledgeBaseReads: region.kind === "primary" ? "local" : region.localReads() ? "primary-copy" : "primary",
          primaryCopyAgeSeconds: primaryCopy?.ageSeconds ?? null,
        });
      }
      const metadata = oauth?.resourceServer.metadataResponse(request, publicOrigin(), config.MCP_API_VERSIONS);
      if (metadata) return metadata;
      const endpoint = endpoints.get(pathname.replace(/\/$/, ""));
      // Behind an edge that issues its own tokens, MCP arrives only as signed calls; a client that came here directly is sent there.
      if (endpoint && config.edgeOrigin) return edgeOnlyResponse(config.edgeOrigin, pathname.split("/")[1]!);
      if (endpoint) return endpoint.fetch(request, body);
      if (pathname === "/metrics" && config.MCP_METRICS_PORT === undefined) return metrics();
      if (signedTools && isSignedCallPath(pathname)) {
        // The adapter's abort signal is the request's own property (node-http.ts withSignal), which a copied Request does not keep: it is handed on.
        const signed = body === undefined ? request : new Request(request, { body: body as Uint8Array<ArrayBuffer>, signal: request.signal });
        return observed.signedCalls.serve(signed, () => signedTools(signed));
      }
      return jsonRpcErrorResponse(404, JsonRpcCode.invalidRequest, `Not found: MCP is served at ${[...endpoints.keys()].join(", ")}`);
    },
    metrics,
    served(listening) {
      origin ??= new URL(listening);
    },
    async close() {
      clearInterval(sweeper);
      primaryCopy?.close();
      await Promise.all([...routers.map((router) => router.close()), ...[...endpoints.values()].map((endpoint) => endpoint.close())]);
      await observed.close();
      host.tasks?.close();
      sessions.flush();
      db.close();
    },
  };
}

/** This server's telemetry: it names itself by its release and color, and exports spans where configured. */
function nodeTelemetry(config: NodeConfig, tools: readonly ToolDefinition[]): Promise<NodeTelemetry> {
  return createNodeTelemetry(
    {
      deployment: { service: "mcp-hosting-fly", release: config.MCP_RELEASE, color: config.MCP_COLOR },
      ...(config.otlp ? { otlp: config.otlp } : {}),
      recordContent: config.MCP_TELEMETRY_CONTENT === "1",
      log: (line) => console.error(`[telemetry] ${line}`),
    },
    tools.map((tool) => tool.name),
  );
}

/**
 * Quotas on Node count in this region's own database, per region. Counting
 * in the primary would put a round trip to it (over Fly's private network,
 * up to a few hundred ms from another continent) in front of every call, and
 * make every region's calls fail while the primary is down. Per region is
 * good enough here because Node is not the front door: deployed, clients
 * reach the edge, which counts each key in one Durable Object wherever the
 * call came in, and the calls it signs to Fly are not counted again (they
 * never pass this endpoint). What Node counts is the clients that call a
 * Fly region's MCP endpoint directly; Fly's proxy sends a client to its
 * nearest region, so its calls count in one place. A client that spreads its
 * calls on purpose (`fly-prefer-region`) gets at most the quota once per
 * region, the bound the docs state.
 */
function nodeQuotas(settings: QuotaSettings, db: NodeSql, catalog: Catalog, sink: QuotaDecisionCount): QuotaGate {
  const ledger = new SqlQuotaLedger(db);
  return new QuotaGate({ settings, take: (key, counters) => ledger.take(key, counters), sink, tools: catalog.tools.map((tool) => tool.name) });
}

/** In a region that is not the primary, the copy of the primary's database that reads are served from. */
function openPrimaryCopy(config: NodeConfig): PrimaryCopy | undefined {
  if (config.writer === undefined || config.MCP_FOLLOW_REPLICA_URL === undefined) return undefined;
  const intervalMs = config.MCP_FOLLOW_INTERVAL_SECONDS * 1000;
  const copy = new PrimaryCopy({
    replicaUrl: config.MCP_FOLLOW_REPLICA_URL,
    dataDir: dirname(config.databasePath),
    intervalMs,
    // A few missed restores are tolerated; past that, reads go to the primary rather than serve stale data.
    maxAgeMs: Math.max(60_000, intervalMs * 4),
    litestream: config.LITESTREAM,
    log: (line) => console.error(`[primary-copy] ${line}`),
  });
  copy.start();
  return copy;
}

/** This server's place among the Fly regions; locally (no regions) it is its own primary. */
function regionRole(config: NodeConfig, primaryCopy: PrimaryCopy | undefined): RegionRole {
  const writer = config.writer;
  if (writer === undefined) return { kind: "primary", ...(config.FLY_REGION ? { region: config.FLY_REGION } : {}) };
  return {
    kind: "replica",
    region: writer.region,
    primaryRegion: writer.primaryRegion,
    // The primary serves the same releases; this call must reach this release's handlers there too.
    primary: { url: writer.primaryOrigin, secret: writer.secret, release: config.MCP_RELEASE },
    localReads: () => primaryCopy?.fresh ?? false,
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
  const url = `http://${host}:${port}`;
  app.served(url);
  return { server, url };
}
