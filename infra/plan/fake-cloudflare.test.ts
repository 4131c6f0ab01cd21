/**
 * The offline plan's fake account refuses what Cloudflare refuses, so a
 * program that would fail at `pulumi up` fails at `npm run plan`. The rules are
 * driven through the real EdgeWorker component (its `transform` hooks make the
 * shapes Cloudflare refuses) and, for the deployment rule, through the model.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { edgeWorkerArgs } from "../../test/fixtures/edge-worker-args.ts";
import { EdgeWorker, type EdgeWorkerArgs } from "../components/edge-worker.ts";
import { evaluateOffline } from "./evaluate.ts";
import { CloudflareRefusal, FakeCloudflare } from "./fake-cloudflare.ts";

const edge = (overrides: Partial<EdgeWorkerArgs> = {}) => edgeWorkerArgs({ scriptName: "mcp-fresh-v1", canaryPercent: 10, ...overrides });

const plan = (args: EdgeWorkerArgs) => evaluateOffline("test", () => ({ url: new EdgeWorker("edge-v1", args).url }));

test("a fresh account takes the program: migration upload, two versions, a split deployment", async () => {
  const { registrations } = await plan(edge());
  assert.ok(registrations.some((r) => r.name === "edge-v1-migrations"));
  assert.ok(registrations.some((r) => r.name === "edge-v1-deployment"));
});

test("the old shape, a Worker version carrying the migration, is refused with 10211", async () => {
  const oldShape = edge({
    transform: { version: { migrations: { newTag: "v1", newSqliteClasses: ["McpSession", "PrincipalState"] } } },
  });
  await assert.rejects(plan(oldShape), (error: Error) => {
    assert.ok(error instanceof CloudflareRefusal);
    assert.match(error.message, /^edge-v1-blue: Cloudflare would refuse this: Version upload failed\. .*migrations must be fully applied via a non-versioned deployment\. \[code: 10211\]$/);
    return true;
  });
});

test("a version that binds a class no applied migration created is refused with 10061", async () => {
  const unmigrated = edge({
    durableObjects: [
      { binding: "MCP_SESSION", className: "McpSession" },
      { binding: "PRINCIPAL_STATE", className: "PrincipalState" },
      { binding: "AUDIT_LOG", className: "AuditLog" },
    ],
  });
  await assert.rejects(plan(unmigrated), /Cannot create binding for class 'AuditLog' because it is not currently configured to implement Durable Objects\. .*\[code: 10061\]/);
});

test("without the migration resource (no migrations declared), binding the session class is refused with 10061", async () => {
  await assert.rejects(plan(edge({ migrations: [] })), /edge-v1-blue: .*Cannot create binding for class 'McpSession'.*\[code: 10061\]/);
});

test("code that stops exporting a class existing objects depend on is refused with 10064", async () => {
  const dropped = edge({
    migrations: [{ tag: "v1", newSqliteClasses: ["McpSession", "PrincipalState", "AuditLog"] }],
  });
  await assert.rejects(plan(dropped), /does not export class 'AuditLog' which is depended on by existing Durable Objects\. \[code: 10064\]/);
});

test("a deployment cannot send traffic to a version uploaded before the last migration", () => {
  const cloud = new FakeCloudflare();
  cloud.createWorker("w1", { name: "mcp-prod-v1" });
  const bindings = [
    { type: "durable_object_namespace", name: "MCP_SESSION", className: "McpSession" },
  ];
  const v1 = [{ tag: "v1", newSqliteClasses: ["McpSession"] }];
  cloud.applyMigrations("migrations", { scriptName: "mcp-prod-v1", migrations: v1, upload: { bindings: [{ type: "durable_object_namespace", name: "MCP_SESSION", class_name: "McpSession" }] } });
  cloud.uploadVersion("before", "version-before", { workerId: "w1", bindings });
  cloud.deploy("deployment", { scriptName: "mcp-prod-v1", versions: [{ versionId: "version-before", percentage: 100 }] });

  const v2 = [...v1, { tag: "v2", newSqliteClasses: ["AuditLog"] }];
  const withAudit = [...bindings, { type: "durable_object_namespace", name: "AUDIT_LOG", className: "AuditLog" }];
  cloud.applyMigrations("migrations", { scriptName: "mcp-prod-v1", migrations: v2, upload: { bindings: withAudit } });
  cloud.uploadVersion("after", "version-after", { workerId: "w1", bindings: withAudit });
  cloud.deploy("deployment", { scriptName: "mcp-prod-v1", versions: [{ versionId: "version-after", percentage: 100 }] });
  assert.throws(
    () => cloud.deploy("rollback", { scriptName: "mcp-prod-v1", versions: [{ versionId: "version-before", percentage: 100 }] }),
    /rollback: .*version version-before was uploaded before Durable Object migration v2, and a deployment cannot go back across a migration/,
  );
  // Sending v1 again once v2 is applied: the tag precondition Cloudflare checks.
  assert.throws(() => cloud.applyMigrations("again", { scriptName: "mcp-prod-v1", migrations: [{ tag: "v0" }] }), /\[code: 10079\]/);
});
