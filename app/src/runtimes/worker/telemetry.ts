/**
 * The Worker's telemetry: hand-rolled spans exported over OTLP/HTTP when an
 * endpoint is bound, and one Analytics Engine data point per tool call (or,
 * locally, a POST to the local telemetry store). Exports and local writes run
 * after the response, through `waitUntil`.
 */
import { waitUntil } from "cloudflare:workers";
import { CallPoints, quotaPoint, type CallPoint } from "../../telemetry/call-point.ts";
import type { QuotaDecisionSink } from "../../server/quotas.ts";
import { EdgeSpans } from "../../telemetry/edge/edge-spans.ts";
import { SpanExport } from "../../telemetry/edge/span-export.ts";
import { Telemetry } from "../../telemetry/telemetry.ts";
import { HOSTING_ATTRIBUTES } from "../../telemetry/conventions.ts";
import type { Env, WorkerSettings } from "./env.ts";

const built = new WeakMap<object, Telemetry>();
const log = (line: string) => console.error(`[telemetry] ${line}`);

/** Work after the response: `waitUntil` where there is a request to extend, a detached promise otherwise. */
function defer(work: Promise<unknown>): void {
  const settled = work.catch(() => undefined);
  try {
    waitUntil(settled);
  } catch {
    // Outside a request (never in practice): the promise runs on its own.
  }
}

/** Where data points go: the Analytics Engine binding, else the local store, else nowhere. */
function pointWriter(env: Env, settings: WorkerSettings): (point: CallPoint) => void {
  const dataset = env.MCP_CALLS;
  if (dataset !== undefined) return (point) => dataset.writeDataPoint(point);
  const url = settings.MCP_CALLS_URL;
  if (url === undefined) return () => undefined;
  return (point) =>
    defer(fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([point]), signal: AbortSignal.timeout(3000) }).then((response) => response.body?.cancel()));
}

export function workerTelemetry(env: Env, settings: WorkerSettings): Telemetry {
  let telemetry = built.get(env);
  if (telemetry !== undefined) return telemetry;
  const deployment = { service: "mcp-hosting-edge", release: settings.RELEASE, color: settings.COLOR };
  const otlp = settings.otlp;
  const exporter = otlp
    ? new SpanExport({
        endpoint: otlp.endpoint,
        headers: otlp.headers,
        resource: { "service.name": deployment.service, "service.version": deployment.release, [HOSTING_ATTRIBUTES.release]: deployment.release, [HOSTING_ATTRIBUTES.color]: deployment.color },
        defer,
        log,
      })
    : undefined;
  telemetry = new Telemetry({
    spans: new EdgeSpans((spans) => exporter?.send(spans)),
    calls: new CallPoints(pointWriter(env, settings)),
    deployment,
    recordContent: settings.MCP_TELEMETRY_CONTENT === "1",
    log,
  });
  built.set(env, telemetry);
  return telemetry;
}

/** Quota decisions, one data point each (call-point.ts quotaPoint), where the calls' points go. */
export function quotaDecisionPoints(env: Env, settings: WorkerSettings): QuotaDecisionSink {
  const write = pointWriter(env, settings);
  const deployment = { release: settings.RELEASE, color: settings.COLOR };
  return { record: (tool, outcome) => write(quotaPoint(deployment, tool, outcome)) };
}
