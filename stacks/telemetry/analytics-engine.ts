/**
 * The edge's traffic from the Workers Analytics Engine SQL API
 * (`POST <api>/accounts/<account>/analytics_engine/sql`, the SQL in the body,
 * a bearer token with Account Analytics Read). Counts are weighted by
 * `_sample_interval` and p95 by `quantileExactWeighted`, as Cloudflare's
 * sampling docs say, so a sampled dataset still gives true totals.
 */
import { CALL_POINT_COLUMNS as C, OK_STATUS } from "../../app/src/telemetry/call-point.ts";
import { queryJson, type QueryHttpOptions } from "./query-http.ts";
import { addCalls, countOf, TelemetryQueryError, type TrafficByColor, type TrafficSource } from "./traffic.ts";

export interface AnalyticsEngineOptions extends QueryHttpOptions {
  /** e.g. https://api.cloudflare.com/client/v4 */
  apiBaseUrl: string;
  accountId: string;
  token: string;
  dataset: string;
}

const literal = (value: string) => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

const NAME = "edge (Analytics Engine)";

export function analyticsEngineTraffic(options: AnalyticsEngineOptions): TrafficSource {
  return { name: NAME, read: (apiVersion, windowSeconds) => read(options, apiVersion, windowSeconds) };
}

async function read(options: AnalyticsEngineOptions, apiVersion: string, windowSeconds: number): Promise<TrafficByColor> {
  // Agents' calls only: the scripted sessions of verify are judged on their own.
  const where = `WHERE ${C.apiVersion} = ${literal(apiVersion)} AND ${C.synthetic} = '' AND timestamp > NOW() - INTERVAL '${Math.ceil(windowSeconds)}' SECOND`;
  const [calls, latency] = await Promise.all([
    rows(options, `SELECT ${C.color} AS color, ${C.tool} AS tool, ${C.status} AS status, SUM(_sample_interval) AS calls FROM ${options.dataset} ${where} GROUP BY color, tool, status FORMAT JSON`),
    rows(options, `SELECT ${C.color} AS color, quantileExactWeighted(0.95)(${C.durationMs}, _sample_interval) AS p95_ms FROM ${options.dataset} ${where} GROUP BY color FORMAT JSON`),
  ]);
  const traffic: TrafficByColor = {};
  for (const row of calls) addCalls(traffic, String(row.color), String(row.tool), countOf(row.calls, NAME), row.status !== OK_STATUS);
  for (const row of latency) {
    const entry = traffic[String(row.color)];
    if (entry) entry.p95Ms = countOf(row.p95_ms, NAME);
  }
  return traffic;
}

async function rows(options: AnalyticsEngineOptions, sql: string): Promise<Record<string, unknown>[]> {
  const url = `${options.apiBaseUrl.replace(/\/$/, "")}/accounts/${encodeURIComponent(options.accountId)}/analytics_engine/sql`;
  const answer = (await queryJson("the Analytics Engine SQL API", url, { method: "POST", headers: { authorization: `Bearer ${options.token}` }, body: sql }, options)) as { data?: unknown };
  if (!Array.isArray(answer.data)) throw new TelemetryQueryError("the Analytics Engine SQL API answered without a data array (FORMAT JSON expected)");
  return answer.data as Record<string, unknown>[];
}
