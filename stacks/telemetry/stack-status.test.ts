/** `npm run status`: the traffic split and releases from the stack file, and with credentials the last hour's numbers per color. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runScript } from "../../test/fixtures/commands.ts";
import { type FakeQueryApis, startFakeQueryApis } from "../../test/fixtures/telemetry/fake-query-apis.ts";
import { replay, scenario } from "../../test/fixtures/telemetry/scenarios.ts";

let apis: FakeQueryApis;
before(async () => {
  apis = await startFakeQueryApis();
  // prod's v1 runs blue live with a 10% canary on green.
  await replay(apis.store, scenario("healthy", { live: "blue", canary: "green" }), { dataset: "mcp_calls_prod", flyApp: "mcp-hosting-prod", apiVersion: "v1", spanMs: 30 * 60_000 });
});
after(() => apis.close());

test("per API version: live color, canary share and release per slot; with credentials, calls, error rate and p95 per color", async () => {
  const run = await runScript("stacks/commands/status.ts", ["--stack", "prod"], apis.env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^stack prod · traffic of the last 60 min · Fly app mcp-hosting-prod runs r-3f9a1c7e2b4d$/m);
  assert.match(run.stdout, /^v1 {2}live blue, canary green 10%$/m);
  assert.match(run.stdout, /^ {2}blue {3}r-3f9a1c7e2b4d {3}90% {3}edge \(Analytics Engine\): 1000 calls, 1\.40% errors, p95 \d+ ms · Fly \(Prometheus\): 335 calls, 0\.00% errors, p95 \d+ ms$/m);
  assert.match(run.stdout, /^ {2}green {2}r-8c2e5a1f9d07 {3}10% {3}edge \(Analytics Engine\): 1000 calls, 1\.80% errors/m);
  assert.match(run.stdout, /^v2 {2}live blue\n {2}blue {3}r-8c2e5a1f9d07 {2}100% {3}edge \(Analytics Engine\): no calls · Fly \(Prometheus\): no calls$/m);
});

test("--json has the same facts for tools", async () => {
  const run = await runScript("stacks/commands/status.ts", ["--stack", "prod", "--json"], apis.env);
  assert.equal(run.code, 0, run.stderr);
  const status = JSON.parse(run.stdout);
  assert.deepEqual(status.apiVersions.v1.slots, { blue: { release: "r-3f9a1c7e2b4d", percent: 90 }, green: { release: "r-8c2e5a1f9d07", percent: 10 } });
  const [edge] = status.apiVersions.v1.traffic;
  assert.equal(edge.source, "edge (Analytics Engine)");
  assert.equal(edge.byColor.green.calls, 1000);
  assert.equal(edge.byColor.green.errorRate, 0.018);
  assert.ok(edge.byColor.green.p95Ms > 0);
});

test("without credentials, each source says it was not read, and why", async () => {
  const run = await runScript("stacks/commands/status.ts", ["--stack", "prod"], { CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ANALYTICS_TOKEN: "", FLY_API_TOKEN: "", FLY_METRICS_TOKEN: "" });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^ {2}edge \(Analytics Engine\): not read \(neither CLOUDFLARE_ANALYTICS_TOKEN nor CLOUDFLARE_API_TOKEN is set\)$/m);
  assert.match(run.stdout, /^ {2}blue {3}r-3f9a1c7e2b4d {3}90%$/m, "the stack file's facts still show");
});
