/**
 * The telemetry backends of a local run, on one loopback port: what the
 * cloud keeps in Workers Analytics Engine, Prometheus on Fly.io and an OTLP
 * collector, kept here in memory and queried through the same HTTP APIs.
 *
 *   POST /v1/traces                                          OTLP/HTTP JSON spans (Worker, Node, Python)
 *   POST /v1/metrics                                         OTLP/HTTP JSON metrics (the Python runner's histogram), kept as received
 *   POST /calls                                              the Worker's data points (MCP_CALLS_URL)
 *   POST /client/v4/accounts/<id>/analytics_engine/sql       the Analytics Engine SQL API
 *   GET  /prometheus/<org>/api/v1/query?query=…              Prometheus's instant query API
 *   GET  /traces/<trace id>                                   a collected trace, drawn as a tree
 *
 * Node's `/metrics` is scraped into the Prometheus store every `scrapeMs`,
 * with the labels Fly adds (app, region, instance). `verify --telemetry <url>`
 * and `status --telemetry <url>` read it as they read the cloud.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AnalyticsStore, type DataPoint, SqlError } from "./analytics-store.ts";
import { PrometheusStore, PromQlError, type Labels } from "./prometheus-store.ts";
import { TraceCollector } from "./trace-collector.ts";

export interface LocalTelemetryOptions {
  /** @default 0, a free port */
  port?: number;
  /** The dataset the Worker's data points go to. @default "mcp_calls" */
  dataset?: string;
  now?: () => number;
}

export interface LocalTelemetry {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Where the Worker posts its data points (its MCP_CALLS_URL). */
  callsUrl: string;
  traces: TraceCollector;
  /** The OTLP metric export requests received, newest last. */
  metricExports: unknown[];
  analytics: AnalyticsStore;
  prometheus: PrometheusStore;
  /** Scrapes a `/metrics` endpoint now and then every `intervalMs`, adding Fly's labels. */
  scrape(metricsUrl: string, labels: Labels, intervalMs?: number): { now(): Promise<void> };
  /** The routes above, as a fetch handler (a test may put faults in front of it). */
  handle(request: Request): Promise<Response>;
  close(): Promise<void>;
}

const text = (status: number, body: string) => new Response(body, { status, headers: { "content-type": "text/plain" } });

export async function startLocalTelemetry(options: LocalTelemetryOptions = {}): Promise<LocalTelemetry> {
  const now = options.now ?? Date.now;
  const dataset = options.dataset ?? "mcp_calls";
  const traces = new TraceCollector();
  const analytics = new AnalyticsStore(now);
  const prometheus = new PrometheusStore();
  const timers: NodeJS.Timeout[] = [];
  const metricExports: unknown[] = [];

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (request.method === "POST" && path === "/v1/traces") {
      traces.accept(await request.json());
      return Response.json({});
    }
    if (request.method === "POST" && path === "/v1/metrics") {
      metricExports.push(await request.json());
      return Response.json({});
    }
    if (request.method === "POST" && path === "/calls") {
      analytics.write(dataset, (await request.json()) as DataPoint[]);
      return new Response(null, { status: 204 });
    }
    if (request.method === "POST" && /^\/client\/v4\/accounts\/[^/]+\/analytics_engine\/sql$/.test(path)) {
      try {
        return Response.json(analytics.query(await request.text()));
      } catch (error) {
        if (error instanceof SqlError) return text(400, error.message);
        throw error;
      }
    }
    if (/^\/prometheus\/[^/]+\/api\/v1\/query$/.test(path)) {
      const form = request.method === "POST" ? new URLSearchParams(await request.text()) : url.searchParams;
      const at = form.get("time") ? Number(form.get("time")) * 1000 : now();
      try {
        return Response.json({ status: "success", data: { resultType: "vector", result: prometheus.query(form.get("query") ?? "", at) } });
      } catch (error) {
        if (error instanceof PromQlError) return Response.json({ status: "error", errorType: "bad_data", error: error.message }, { status: 400 });
        throw error;
      }
    }
    const trace = /^\/traces\/([0-9a-f]{32})$/.exec(path)?.[1];
    if (request.method === "GET" && trace) return text(200, `${traces.render(trace)}\n`);
    return text(404, `no route for ${request.method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = ["GET", "HEAD"].includes(req.method ?? "GET") ? undefined : Buffer.concat(chunks);
      const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method ?? "GET", headers: req.headers as Record<string, string>, ...(body ? { body } : {}) });
      void handle(request)
        .catch((error: unknown) => text(500, error instanceof Error ? error.message : String(error)))
        .then(async (response) => res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer())));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    callsUrl: `${origin}/calls`,
    traces,
    metricExports,
    analytics,
    prometheus,
    handle,
    scrape(metricsUrl, labels, intervalMs = 15_000) {
      const once = async () => {
        const response = await fetch(metricsUrl).catch(() => undefined);
        if (response?.ok) prometheus.ingest(await response.text(), now(), labels);
      };
      void once();
      timers.push(setInterval(() => void once(), intervalMs).unref());
      return { now: once };
    },
    async close() {
      timers.forEach(clearInterval);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
