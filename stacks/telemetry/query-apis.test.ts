/** The query API clients when the API misbehaves: each failure is a TelemetryQueryError that says which API and what happened. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { analyticsEngineTraffic } from "./analytics-engine.ts";
import { flyPrometheusTraffic } from "./fly-prometheus.ts";
import { TelemetryQueryError } from "./traffic.ts";

let hanging: Server;
let hangingUrl: string;
before(async () => {
  hanging = createServer(() => undefined);
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
});
after(() => {
  hanging.closeAllConnections();
  hanging.close();
});

const analytics = (apiBaseUrl: string, extra: Partial<Parameters<typeof analyticsEngineTraffic>[0]> = {}) =>
  analyticsEngineTraffic({ apiBaseUrl, accountId: "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31", token: "t", dataset: "mcp_calls_prod", ...extra });

test("a query API that does not answer in time is a timeout, named", async () => {
  await assert.rejects(analytics(hangingUrl, { timeoutMs: 200 }).read("v1", 900), (error: unknown) => {
    assert.ok(error instanceof TelemetryQueryError);
    assert.equal(error.message, "the Analytics Engine SQL API did not answer within 0.2 s");
    return true;
  });
});

test("an unreachable query API says so, with the reason", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
  const fly = flyPrometheusTraffic({ apiBaseUrl: `${url}/prometheus`, org: "acme", app: "mcp-hosting-prod", token: "t" });
  await assert.rejects(fly.read("v1", 900), /^TelemetryQueryError: Prometheus on Fly\.io is unreachable \(ECONNREFUSED\)$/);
});

test("a refused token is an error that points at the token, never an empty reading", async () => {
  const refusing = createServer((_, res) => res.writeHead(403, { "content-type": "application/json" }).end('{"errors":[{"message":"Authentication error"}]}'));
  await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
  await assert.rejects(analytics(url).read("v1", 900), /the Analytics Engine SQL API answered HTTP 403 \(check the token and its permission\): \{"errors":\[\{"message":"Authentication error"\}\]\}/);
  refusing.close();
});
