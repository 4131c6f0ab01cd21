/**
 * Durable Object migrations the way Cloudflare takes them: a fresh stack, a
 * release that adds a class, a release with unchanged migrations, and going
 * back across a migration. Each goes through the commands a user runs (pin,
 * rollback, plan) and the offline plan's fake account, which refuses what
 * Cloudflare refuses (infra/plan/fake-cloudflare.ts).
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runScript, scratchProject } from "../test/fixtures/commands.ts";
import { makeRelease } from "../test/fixtures/release-store.ts";
import type { DurableObjectMigration } from "./release/manifest.ts";
import { applyEdits } from "./stack-edit.ts";

const V1: DurableObjectMigration = { tag: "v1", newSqliteClasses: ["McpSession", "PrincipalState"] };
const V2_ADDS_AUDIT: DurableObjectMigration = { tag: "v2", newSqliteClasses: ["AuditLog"] };
const V3_DELETES_AUDIT: DurableObjectMigration = { tag: "v3", deletedClasses: ["AuditLog"] };
const BASE_OBJECTS = [
  { binding: "MCP_SESSION", className: "McpSession" },
  { binding: "PRINCIPAL_STATE", className: "PrincipalState" },
];
const WITH_AUDIT = [...BASE_OBJECTS, { binding: "AUDIT_LOG", className: "AuditLog" }];

interface PlanJson {
  resources: { type: string; name: string; inputs: Record<string, unknown> }[];
}
interface DiffJson {
  changes: { kind: string; type: string; name: string; inputs: { path: string; before: unknown; after: unknown }[] }[];
}

/** A staging project whose v1 slots are pinned as given, with releases built into its .releases/. */
function stagingWith(
  slots: { blue: string; green: string; live: "blue" | "green"; /** What the last cutover recorded, as cutover writes it. */ rollbackTo?: { live: "blue" | "green"; release: string } },
  dir = scratchProject(["staging"]),
): string {
  const file = join(dir, "Pulumi.staging.yaml");
  const record = slots.rollbackTo
    ? [
        { path: ["apiVersions", "v1", "rollbackTo", "live"], value: slots.rollbackTo.live },
        { path: ["apiVersions", "v1", "rollbackTo", "release"], value: slots.rollbackTo.release },
      ]
    : [];
  writeFileSync(
    file,
    applyEdits(readFileSync(file, "utf8"), [
      { path: ["apiVersions", "v1", "slots", "blue", "release"], value: slots.blue },
      { path: ["apiVersions", "v1", "slots", "green", "release"], value: slots.green },
      { path: ["apiVersions", "v1", "live"], value: slots.live },
      { path: ["apiVersions", "v1", "canaryPercent"], value: 0 },
      ...record,
    ]),
  );
  return dir;
}

function release(dir: string, tag: string, migrations: DurableObjectMigration[], durableObjects = BASE_OBJECTS): string {
  return makeRelease(join(dir, ".releases"), { tag, migrations, durableObjects }).manifest.release;
}

async function planJson(dir: string): Promise<PlanJson> {
  const run = await runScript("stacks/commands/plan.ts", ["--stack", "staging", "--root", dir, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as PlanJson;
}

async function diffJson(dir: string, beforeFile: string): Promise<DiffJson> {
  const run = await runScript("stacks/commands/plan.ts", ["--stack", "staging", "--root", dir, "--json", "--diff", beforeFile]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as DiffJson;
}

const secretValue = (value: unknown): unknown =>
  typeof value === "object" && value !== null && "value" in value ? (value as { value: unknown }).value : value;

test("a fresh stack applies its migration by a non-versioned upload, and no Worker version carries one", async () => {
  const plan = await planJson(scratchProject(["staging"]));
  const versions = plan.resources.filter((r) => r.type === "cloudflare:index/workerVersion:WorkerVersion");
  assert.equal(versions.length, 2);
  for (const version of versions) assert.equal(version.inputs.migrations, undefined, `${version.name} carries no migration`);
  const [migrations, ...more] = plan.resources.filter((r) => r.type.endsWith(":ScriptMigrations"));
  assert.equal(more.length, 0, "one migration resource per Worker script");
  assert.deepEqual(migrations!.inputs.migrations, [V1]);
  assert.equal(migrations!.inputs.scriptName, "mcp-staging-v1");
  // The upload is the live slot's Worker (green in staging), so its 100% is what the deployment then keeps.
  assert.equal((secretValue(migrations!.inputs.upload) as { release: string }).release, "r-8c2e5a1f9d07");
});

test("a release that adds a Durable Object class is pinned into both slots and applied through the migration upload", async () => {
  const dir = scratchProject(["staging"]);
  const before = release(dir, "before", [V1]);
  const adds = release(dir, "adds", [V1, V2_ADDS_AUDIT], WITH_AUDIT);
  stagingWith({ blue: before, green: before, live: "blue" }, dir);
  const beforeFile = join(dir, "before.yaml");
  cpSync(join(dir, "Pulumi.staging.yaml"), beforeFile);

  const pin = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", adds, "--api", "v1", "--root", dir, "--json"]);
  assert.equal(pin.code, 0, pin.stderr);
  assert.match(pin.stdout, new RegExp(`v1: ${adds} is a migration release \\(adds migration v2\\): pinned into both slots.*non-versioned upload at 100%.*${before} cannot take traffic again`));
  assert.deepEqual(JSON.parse(pin.stdout.trim().split("\n").pop()!), { apis: ["v1"], migrationReleases: ["v1"], leftBehind: [], allowedBreaking: {} });

  const diff = await diffJson(dir, beforeFile);
  const byName = new Map(diff.changes.map((c) => [c.name, c]));
  const migration = byName.get("edge-v1-migrations");
  assert.equal(migration?.kind, "update", "the migration resource uploads once, in place");
  const changed = new Map(migration!.inputs.map((i) => [i.path, String(i.after)]));
  assert.match(changed.get("migrations[1]") ?? "", /"tag":"v2"/);
  assert.equal(changed.get("upload.release"), JSON.stringify(adds), "the upload is the release that declares the migration");
  assert.equal(byName.get("edge-v1-blue")?.kind, "replace");
  assert.equal(byName.get("edge-v1-green")?.kind, "replace");
  assert.equal(byName.get("edge-v1-deployment")?.kind, "replace");
  assert.ok(!diff.changes.some((c) => c.type.startsWith("aws:") && !c.type.endsWith("BucketObjectv2")), "the backups are not touched (only the release objects the machines read)");

  // A canary between the two is refused before anything is written.
  const canary = await runScript("stacks/commands/cutover.ts", ["--stack", "staging", "--api", "v1", "--to", "green", "--canary", "5", "--root", dir]);
  assert.equal(canary.code, 0, "both slots now run the same release, so a canary splits nothing across the migration");
});

test("a release with unchanged migrations goes into the idle slot only, and the migration resource does nothing", async () => {
  const dir = scratchProject(["staging"]);
  const live = release(dir, "live", [V1]);
  const next = release(dir, "next", [V1]);
  stagingWith({ blue: live, green: live, live: "blue" }, dir);
  const beforeFile = join(dir, "before.yaml");
  cpSync(join(dir, "Pulumi.staging.yaml"), beforeFile);

  const pin = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", next, "--api", "v1", "--root", dir, "--json"]);
  assert.equal(pin.code, 0, pin.stderr);
  assert.match(pin.stdout, new RegExp(`v1: green \\(idle\\) ${live} → ${next}; blue stays live`));
  assert.deepEqual(JSON.parse(pin.stdout.trim().split("\n").pop()!), { apis: ["v1"], migrationReleases: [], leftBehind: [], allowedBreaking: {} });
  const diff = await diffJson(dir, beforeFile);
  // pin moves the Fly release too (one release, rolled): its image in the registry, then the machine update.
  assert.deepEqual(diff.changes.map((c) => `${c.kind} ${c.name}`).sort(), ["replace edge-v1-green", "replace fly-image", "update fly-machine-iad", "update modal-v1-green-deploy"]);

  // A cutover changes which bundle a pending migration would upload, but none is pending: no upload.
  const cutover = await runScript("stacks/commands/cutover.ts", ["--stack", "staging", "--api", "v1", "--to", "green", "--root", dir]);
  assert.equal(cutover.code, 0, cutover.stderr);
  const afterCutover = await diffJson(dir, beforeFile);
  assert.ok(!afterCutover.changes.some((c) => c.name === "edge-v1-migrations"), JSON.stringify(afterCutover.changes.map((c) => c.name)));
});

test("a rollback past a migration that deleted a class is refused with the reason, and nothing is written", async () => {
  const dir = scratchProject(["staging"]);
  const adds = release(dir, "adds", [V1, V2_ADDS_AUDIT], WITH_AUDIT);
  const deletes = release(dir, "deletes", [V1, V2_ADDS_AUDIT, V3_DELETES_AUDIT]);
  // A stack written before migration releases took both slots: green (live) deleted AuditLog, blue still has it.
  stagingWith({ blue: adds, green: deletes, live: "green", rollbackTo: { live: "blue", release: adds } }, dir);
  const file = join(dir, "Pulumi.staging.yaml");
  const original = readFileSync(file, "utf8");

  const run = await runScript("stacks/commands/rollback.ts", ["--stack", "staging", "--api", "v1", "--root", dir]);
  assert.equal(run.code, 3, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`rollback refused: apiVersions\\.v1: cannot roll back from green \\(${deletes}\\) to blue \\(${adds}\\) across Durable Object migration v3: v3 deletes class AuditLog\\. The objects of a deleted class and their storage are gone.*Roll forward`));
  assert.equal(readFileSync(file, "utf8"), original);

  // The plan refuses that stack as it stands, before any Cloudflare call.
  const plan = await runScript("stacks/commands/plan.ts", ["--stack", "staging", "--root", dir]);
  assert.equal(plan.code, 1);
  assert.match(plan.stderr, /this stack cannot be deployed: apiVersions\.v1: blue .* drops migration v3 relative to the live green/);
});

test("going back past a migration that only added a class is refused too, as Cloudflare documents; so is pinning a release without it", async () => {
  const dir = scratchProject(["staging"]);
  const before = release(dir, "before", [V1]);
  const adds = release(dir, "adds", [V1, V2_ADDS_AUDIT], WITH_AUDIT);
  stagingWith({ blue: before, green: adds, live: "green", rollbackTo: { live: "blue", release: before } }, dir);
  const rollback = await runScript("stacks/commands/rollback.ts", ["--stack", "staging", "--api", "v1", "--root", dir]);
  assert.equal(rollback.code, 3, rollback.stdout + rollback.stderr);
  assert.match(rollback.stderr, /v2 adds class AuditLog\. Cloudflare does not deploy a version from before a migration .*rollbacks.*error 10064/);

  stagingWith({ blue: adds, green: adds, live: "green" }, dir);
  const pin = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", before, "--api", "v1", "--root", dir]);
  assert.equal(pin.code, 3, pin.stdout + pin.stderr);
  assert.match(pin.stderr, new RegExp(`cannot pin ${before}: .*v2 adds class AuditLog`));
});

test("a rollback when both colors run the migration release says there is nothing to go back to", async () => {
  const dir = scratchProject(["staging"]);
  const adds = release(dir, "adds", [V1, V2_ADDS_AUDIT], WITH_AUDIT);
  stagingWith({ blue: adds, green: adds, live: "green", rollbackTo: { live: "blue", release: adds } }, dir);
  const run = await runScript("stacks/commands/rollback.ts", ["--stack", "staging", "--api", "v1", "--root", dir]);
  assert.equal(run.code, 3);
  assert.match(run.stderr, new RegExp(`both colors run ${adds}, so a rollback would change nothing.*Roll forward`));
});

test("after a rollback, a migration release in both colors: the rollback the last cutover recorded would cross the migration, and says so (exit 3)", async () => {
  const dir = scratchProject(["staging"]);
  const before = release(dir, "before", [V1]);
  const adds = release(dir, "adds", [V1, V2_ADDS_AUDIT], WITH_AUDIT);
  // blue was live with `before`; then the migration release went into both slots, live stayed blue.
  stagingWith({ blue: adds, green: adds, live: "blue", rollbackTo: { live: "blue", release: before } }, dir);
  const run = await runScript("stacks/commands/rollback.ts", ["--stack", "staging", "--api", "v1", "--root", dir]);
  assert.equal(run.code, 3, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(`rollback refused: apiVersions\\.v1: cannot roll back from blue \\(${adds}\\) to blue \\(${before}\\) across Durable Object migration v2: v2 adds class AuditLog`));
});
