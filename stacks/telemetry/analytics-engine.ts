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

export class AnalyticsEngineTraffic implements TrafficSource {
  readonly name = "edge (Analytics Engine)";
  readonly #options: AnalyticsEngineOptions;

  constructor(options: AnalyticsEngineOptions) {
    this.#options = options;
  }

  async read(apiVersion: string, windowSeconds: number): Promise<TrafficByColor> {
    // Agents' calls only: the scripted sessions of verify are judged on their own.
    const where = `WHERE ${C.apiVersion} = ${literal(apiVersion)} AND ${C.synthetic} = '' AND timestamp > NOW() - INTERVAL '${Math.ceil(windowSeconds)}' SECOND`;
    const [calls, latency] = await Promise.all([
      this.#rows(`SELECT ${C.color} AS color, ${C.tool} AS tool, ${C.status} AS status, SUM(_sample_interval) AS calls FROM ${this.#options.dataset} ${where} GROUP BY color, tool, status FORMAT JSON`),
      this.#rows(`SELECT ${C.color} AS color, quantileExactWeighted(0.95)(${C.durationMs}, _sample_interval) AS p95_ms FROM ${this.#options.dataset} ${where} GROUP BY color FORMAT JSON`),
    ]);
    const traffic: TrafficByColor = {};
    for (const row of calls) addCalls(traffic, String(row.color), String(row.tool), countOf(row.calls, this.name), row.status !== OK_STATUS);
    for (const row of latency) {
      const entry = traffic[String(row.color)];
      if (entry) entry.p95Ms = countOf(row.p95_ms, this.name);
    }
    return traffic;
  }

  async #rows(sql: string): Promise<Record<string, unknown>[]> {
    const { apiBaseUrl, accountId, token } = this.#options;
    const url = `${apiBaseUrl.replace(/\/$/, "")}/accounts/${encodeURIComponent(accountId)}/analytics_engine/sql`;
    const answer = (await queryJson("the Analytics Engine SQL API", url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: sql }, this.#options)) as { data?: unknown };
    if (!Array.isArray(answer.data)) throw new TelemetryQueryError(`the Analytics Engine SQL API answered without a data array (FORMAT JSON expected)`);
    return answer.data as Record<string, unknown>[];
  }
}
