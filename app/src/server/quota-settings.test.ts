import assert from "node:assert/strict";
import { test } from "node:test";
import { loadNodeConfig } from "../runtimes/node-config.ts";
import { quotaBlockSchema, unknownQuotaTools } from "./quota-settings.ts";

const issues = (block: unknown) => {
  const parsed = quotaBlockSchema.safeParse(block);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

test("a tool's limit above its key's is refused, naming its path and the limit it may not pass", () => {
  assert.deepEqual(issues({ callsPerMinute: 60, callsPerDay: 1000, tools: { csv_cluster: { callsPerDay: 5000 } } }), [
    "tools.csv_cluster.callsPerDay: 5000 is above callsPerDay 1000, the limit of all tools together (expected at most 1000)",
  ]);
  assert.deepEqual(issues({ callsPerMinute: 60, callsPerDay: 1000, tools: { echo: {} } }), ["tools.echo: sets no limit (expected callsPerMinute, callsPerDay or both)"]);
});

test("limits, claim names and keys are checked, each mistake with what was expected", () => {
  assert.deepEqual(issues({ callsPerMinute: 0, callsPerDay: 1.5, tenantClaim: "org id", tools: { "Bad-Name": { callsPerDay: 1 } }, perHour: 3 }), [
    "callsPerMinute: 0 is below 1 (expected 1..100000)",
    "callsPerDay: 1.5 is not a whole number (expected 1..100000000)",
    'tenantClaim: "org id" is not a claim name (expected e.g. org_id)',
    'tools.Bad-Name: "Bad-Name" is not a tool name (expected snake_case, e.g. csv_cluster)',
    ": expected one of callsPerMinute, callsPerDay, tenantClaim, tools",
  ]);
});

test("MCP_QUOTAS is read with the same schema, and names itself", () => {
  assert.equal(loadNodeConfig({}).MCP_QUOTAS, undefined);
  const config = loadNodeConfig({ MCP_OAUTH_ISSUER: "https://auth.example.com/", MCP_QUOTAS: '{"callsPerMinute":60,"callsPerDay":1000,"tenantClaim":"org_id","tools":{"csv_cluster":{"callsPerDay":50}}}' });
  assert.deepEqual(config.MCP_QUOTAS, { callsPerMinute: 60, callsPerDay: 1000, tenantClaim: "org_id", tools: { csv_cluster: { callsPerDay: 50 } } });
  assert.throws(() => loadNodeConfig({ MCP_QUOTAS: "callsPerMinute=60" }), /MCP_QUOTAS: is not JSON/);
  assert.throws(() => loadNodeConfig({ MCP_QUOTAS: '{"callsPerMinute":60,"callsPerDay":1000,"tenantClaim":"org_id"}' }), /MCP_QUOTAS\.tenantClaim: has no effect without MCP_OAUTH_ISSUER/);
  assert.throws(() => loadNodeConfig({ MCP_QUOTAS: '{"callsPerMinute":60,"callsPerDay":10,"tools":{"echo":{"callsPerDay":20}}}' }), /MCP_QUOTAS\.tools\.echo\.callsPerDay: 20 is above callsPerDay 10/);
});

test("a tools entry naming no tool is a line saying so, with the names there are", () => {
  const quotas = quotaBlockSchema.parse({ callsPerMinute: 60, callsPerDay: 1000, tools: { echo: { callsPerDay: 5 }, csv_clsuter: { callsPerDay: 5 } } });
  assert.deepEqual(unknownQuotaTools(quotas, "quotas", "a pinned release or this tree", ["echo", "csv_cluster"]), [
    "quotas.tools.csv_clsuter: no tool named csv_clsuter in a pinned release or this tree (expected one of echo, csv_cluster)",
  ]);
});
