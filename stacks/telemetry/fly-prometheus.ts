/**
 * Fly's traffic from Prometheus on Fly.io (`<api>/<org>/api/v1/query`, a Fly
 * token as bearer; docs: Metrics on Fly.io, "Querying"): the increase of the
 * Node server's `mcp_server_operation_duration_seconds` histogram over the
 * window, per edge color, tool and error type, and its p95 by
 * `histogram_quantile`. Fly adds the `app` label to every scraped series.
 */
import { HOSTING_ATTRIBUTES, MCP_ATTRIBUTES, OPERATION_DURATION } from "../../app/src/telemetry/conventions.ts";
import { prometheusName } from "../../app/src/telemetry/node/prometheus-text.ts";
import { queryJson, type QueryHttpOptions } from "./query-http.ts";
import { addCalls, countOf, TelemetryQueryError, type TrafficByColor, type TrafficSource } from "./traffic.ts";

export interface FlyPrometheusOptions extends QueryHttpOptions {
  /** e.g. https://api.fly.io/prometheus */
  apiBaseUrl: string;
  org: string;
  app: string;
  token: string;
}

const METRIC = prometheusName(OPERATION_DURATION.name, OPERATION_DURATION.unit);
const label = (attribute: string) => prometheusName(attribute);
const COLOR = label(HOSTING_ATTRIBUTES.color);
const TOOL = label(MCP_ATTRIBUTES.toolName);
const ERROR = label(MCP_ATTRIBUTES.errorType);

type Sample = { metric: Record<string, string>; value: [number, string] };

const NAME = "Fly (Prometheus)";

export function flyPrometheusTraffic(options: FlyPrometheusOptions): TrafficSource {
  return { name: NAME, read: (apiVersion, windowSeconds) => read(options, apiVersion, windowSeconds) };
}

async function read(options: FlyPrometheusOptions, apiVersion: string, windowSeconds: number): Promise<TrafficByColor> {
  // Agents' calls only (a series without the synthetic label matches ""): verify's scripted sessions are judged on their own.
  const selector = `{app="${options.app}",${label(HOSTING_ATTRIBUTES.apiVersion)}="${apiVersion}",${label(HOSTING_ATTRIBUTES.synthetic)}=""}[${Math.ceil(windowSeconds)}s]`;
  const [counts, p95] = await Promise.all([
    query(options, `sum by (${COLOR}, ${TOOL}, ${ERROR}) (increase(${METRIC}_count${selector}))`),
    query(options, `histogram_quantile(0.95, sum by (${COLOR}, le) (increase(${METRIC}_bucket${selector})))`),
  ]);
  const traffic: TrafficByColor = {};
  for (const { metric, value } of counts) {
    // increase() of a counter is a float; calls are whole.
    addCalls(traffic, metric[COLOR] ?? "unknown", metric[TOOL] ?? "unknown", Math.round(countOf(value[1], NAME)), Boolean(metric[ERROR]));
  }
  for (const { metric, value } of p95) {
    const entry = traffic[metric[COLOR] ?? "unknown"];
    const seconds = Number(value[1]);
    if (entry && Number.isFinite(seconds)) entry.p95Ms = seconds * 1000;
  }
  return traffic;
}

async function query(options: FlyPrometheusOptions, promql: string): Promise<Sample[]> {
  const url = `${options.apiBaseUrl.replace(/\/$/, "")}/${encodeURIComponent(options.org)}/api/v1/query?${new URLSearchParams({ query: promql })}`;
  const answer = (await queryJson("Prometheus on Fly.io", url, { headers: { authorization: `Bearer ${options.token}` } }, options)) as {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  if (answer.status !== "success" || answer.data?.resultType !== "vector" || !Array.isArray(answer.data.result)) {
    throw new TelemetryQueryError(`Prometheus on Fly.io did not answer with a vector${answer.error ? `: ${answer.error}` : ""}`);
  }
  return answer.data.result as Sample[];
}
