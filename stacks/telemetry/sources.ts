/**
 * Where a stack's real traffic is read, and with which credentials: the
 * Analytics Engine SQL API with CLOUDFLARE_ANALYTICS_TOKEN (or
 * CLOUDFLARE_API_TOKEN; it needs Account Analytics Read), and Prometheus on
 * Fly.io with FLY_METRICS_TOKEN (or FLY_API_TOKEN; a token that can read the
 * org). Base URLs follow CLOUDFLARE_BASE_URL and FLY_PROMETHEUS_URL, so tests
 * and local runs point them elsewhere. A source without a token is reported
 * unavailable, by name, never skipped in silence.
 *
 * `--telemetry <url>` reads a local run instead (app/scripts/telemetry/local-telemetry.ts),
 * which serves both APIs.
 */
import type { StackConfig } from "../schema.ts";
import { otherColor, type Traffic } from "../traffic.ts";
import { analyticsEngineTraffic } from "./analytics-engine.ts";
import type { Colors } from "./canary-judge.ts";
import { datasetOf } from "./config.ts";
import { flyPrometheusTraffic } from "./fly-prometheus.ts";
import type { TrafficSource } from "./traffic.ts";

export const CLOUDFLARE_API = "https://api.cloudflare.com/client/v4";
export const FLY_PROMETHEUS = "https://api.fly.io/prometheus";

export interface Sources {
  sources: TrafficSource[];
  unavailable: { source: string; reason: string }[];
}

/** The sources of a stack, with credentials from the environment. */
export function stackSources(config: StackConfig, stack: string, env: NodeJS.ProcessEnv = process.env): Sources {
  const sources: TrafficSource[] = [];
  const unavailable: Sources["unavailable"] = [];
  const cloudflareToken = env.CLOUDFLARE_ANALYTICS_TOKEN || env.CLOUDFLARE_API_TOKEN;
  if (cloudflareToken) {
    sources.push(analyticsEngineTraffic({ apiBaseUrl: env.CLOUDFLARE_BASE_URL || CLOUDFLARE_API, accountId: config.cloudflareAccountId, token: cloudflareToken, dataset: datasetOf(config.telemetry, stack) }));
  } else unavailable.push({ source: "edge (Analytics Engine)", reason: "neither CLOUDFLARE_ANALYTICS_TOKEN nor CLOUDFLARE_API_TOKEN is set" });
  const flyToken = env.FLY_METRICS_TOKEN || env.FLY_API_TOKEN;
  if (flyToken) {
    sources.push(flyPrometheusTraffic({ apiBaseUrl: env.FLY_PROMETHEUS_URL || FLY_PROMETHEUS, org: config.fly.org, app: config.fly.app, token: flyToken }));
  } else unavailable.push({ source: "Fly (Prometheus)", reason: "neither FLY_METRICS_TOKEN nor FLY_API_TOKEN is set" });
  return { sources, unavailable };
}

/** The sources of a local run's telemetry store (its dataset, org and app are all called local). */
export function localSources(url: string): Sources {
  const base = url.replace(/\/$/, "");
  return {
    sources: [
      analyticsEngineTraffic({ apiBaseUrl: `${base}/client/v4`, accountId: "local", token: "local", dataset: "mcp_calls" }),
      flyPrometheusTraffic({ apiBaseUrl: `${base}/prometheus`, org: "local", app: "local", token: "local" }),
    ],
    unavailable: [],
  };
}

/**
 * Which color is judged against which: with a canary, the canary against the
 * live color; without one, the live color against the other, whose traffic
 * in the window is what ran before a full cutover.
 */
export function colorsOf(traffic: Traffic): Colors {
  return traffic.canaryPercent > 0 ? { baseline: traffic.live, candidate: otherColor(traffic.live) } : { baseline: otherColor(traffic.live), candidate: traffic.live };
}
