/**
 * Cutover, canary and rollback are edits of `live` and `canaryPercent`, and
 * their blast radius is the deployment resource alone: the offline diff of the
 * program before and after the edit, under mocks.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { diffPrograms } from "../infra/plan/diff.ts";
import { buildStack } from "../infra/stack.ts";
import { runScript, scratchProject } from "../test/fixtures/commands.ts";
import { testReleases } from "../test/fixtures/releases.ts";
import { pinReleases } from "../test/fixtures/release-store.ts";
import { applyEdits, lineDiff } from "./stack-edit.ts";
import { parseStackFile } from "./load.ts";

const releases = testReleases();

async function blastRadius(dir: string, stack: string, before: string) {
  const base = parseStackFile(join(before, `Pulumi.${stack}.yaml`)).config;
  const edited = parseStackFile(join(dir, `Pulumi.${stack}.yaml`)).config;
  return diffPrograms(stack, () => buildStack(base, { stack, releases }), () => buildStack(edited, { stack, releases }));
}

/**
 * What `pulumi preview` will show for the deployment: Cloudflare's provider has
 * no update for a WorkersDeployment (every input requires replacement; its
 * delete is a no-op), so the one change is reported as a replace, honestly.
 */
function assertOnlyTheDeployment(diff: Awaited<ReturnType<typeof blastRadius>>, name: string, { directMoves = false } = {}) {
  assert.deepEqual(
    diff.changes.map((c) => `${c.kind} ${c.name}`).sort(),
    [`replace ${name}`, ...(directMoves ? ["update release-trees-direct"] : [])],
    `only the deployment changes${directMoves ? ", and the object naming the live release for the Fly machines' direct clients" : ""} (no Fly machine):\n${JSON.stringify(diff.changes, null, 2)}`,
  );
  assert.deepEqual(diff.counts, { create: 0, update: directMoves ? 1 : 0, replace: 1, delete: 0 });
  if (directMoves) assert.deepEqual(diff.changes.find((c) => c.name === "release-trees-direct")!.inputs.map((i) => i.path), ["content"]);
  const change = diff.changes.find((c) => c.name === name);
  assert.deepEqual([...new Set(change!.inputs.map((i) => i.path.split(/[.[]/)[0]))].sort(), ["annotations", "versions"]);
  assert.match(change!.note ?? "", /deleting the old one is a no-op/);
}

test("a cutover changes only the deployment: one change, no creates, no deletes, no Worker version or Modal app touched", async () => {
  const before = scratchProject(["prod"]);
  const dir = scratchProject(["prod"]);
  const run = await runScript("stacks/commands/cutover.ts", ["--stack", "prod", "--api", "v1", "--to", "green", "--root", dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /apiVersions\.v1: live blue 90%, canary green 10% → live green \(100%\)/);
  assertOnlyTheDeployment(await blastRadius(dir, "prod", before), "edge-v1-deployment", { directMoves: true });
});

test("a rollback is the edit back and changes only the deployment too", async () => {
  const dir = scratchProject(["prod"]);
  await runScript("stacks/commands/cutover.ts", ["--stack", "prod", "--api", "v1", "--to", "green", "--root", dir]);
  const cutOver = scratchProject([]);
  writeFileSync(join(cutOver, "Pulumi.prod.yaml"), readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8"));
  const run = await runScript("stacks/commands/rollback.ts", ["--stack", "prod", "--api", "v1", "--root", dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /apiVersions\.v1: live green \(100%\) → live blue \(100%\) \(r-3f9a1c7e2b4d\)/);
  assertOnlyTheDeployment(await blastRadius(dir, "prod", cutOver), "edge-v1-deployment", { directMoves: true });
});

/** Pins staging's v1 to two small releases built into the project's .releases/ (green live). */
test("a canary is a percentage: the live color keeps the rest, and only the deployment changes", async () => {
  const before = scratchProject(["staging"]);
  const dir = scratchProject(["staging"]);
  pinReleases([before, dir]);
  const run = await runScript("stacks/commands/cutover.ts", ["--stack", "staging", "--api", "v1", "--to", "blue", "--canary", "10", "--root", dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /live green \(100%\) → live green 90%, canary blue 10%/);
  const diff = await blastRadius(dir, "staging", before);
  assertOnlyTheDeployment(diff, "edge-v1-deployment");
  const inputs = new Map(diff.changes[0]!.inputs.map((i) => [i.path, i]));
  assert.deepEqual([inputs.get("versions[0].percentage")?.before, inputs.get("versions[0].percentage")?.after], [100, 10], "blue (listed first) gets 10%");
  assert.equal((inputs.get("versions[1]")?.after as { percentage: number }).percentage, 90, "green keeps 90%");
});

test("the edit keeps every comment and the order of the file, and a --dry-run writes nothing", async () => {
  const dir = scratchProject(["prod"]);
  const original = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
  const dry = await runScript("stacks/commands/cutover.ts", ["--stack", "prod", "--api", "v2", "--to", "green", "--dry-run", "--root", dir]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8"), original);
  await runScript("stacks/commands/cutover.ts", ["--stack", "prod", "--api", "v2", "--to", "green", "--root", dir]);
  const edited = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
  const diff = lineDiff(original, edited, 0);
  assert.deepEqual(
    diff.filter((line) => line.startsWith("-") || line.startsWith("+")),
    ["-       live: blue", "+       live: green", "+       rollbackTo:", "+         live: blue", "+         release: r-8c2e5a1f9d07"],
    "live changes, and the record for rollback is added at the end of v2's block; nothing else moves",
  );
});

test("rollback goes back to the color live before the last cutover, once: a second rollback says so and changes nothing", async () => {
  const dir = scratchProject(["prod"]);
  const file = join(dir, "Pulumi.prod.yaml");
  const cut = await runScript("stacks/commands/cutover.ts", ["--stack", "prod", "--api", "v1", "--to", "green", "--root", dir]);
  assert.equal(cut.code, 0, cut.stderr);
  const first = await runScript("stacks/commands/rollback.ts", ["--stack", "prod", "--api", "v1", "--root", dir]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /apiVersions\.v1: live green \(100%\) → live blue \(100%\)/);
  const afterFirst = readFileSync(file, "utf8");
  const second = await runScript("stacks/commands/rollback.ts", ["--stack", "prod", "--api", "v1", "--root", dir]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^apiVersions\.v1: already rolled back: live blue \(100%\) is where the last cutover started from; nothing to change$/m);
  assert.equal(readFileSync(file, "utf8"), afterFirst, "the retry writes nothing");

  // With nothing recorded, rollback does not guess.
  const fresh = scratchProject(["prod"]);
  const none = await runScript("stacks/commands/rollback.ts", ["--stack", "prod", "--api", "v2", "--root", fresh]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /records no cutover to go back from .*npm run cutover -- --api v2 --to <blue\|green>/);
});

test("a cutover that names an unknown API version or color says what it expected, and writes nothing", async () => {
  const dir = scratchProject(["prod"]);
  const unknownApi = await runScript("stacks/commands/cutover.ts", ["--stack", "prod", "--api", "v7", "--to", "green", "--root", dir]);
  assert.equal(unknownApi.code, 1);
  assert.match(unknownApi.stderr, /--api v7: .* has no such API version \(expected one of v1, v2\)/);
  const badColor = await runScript("stacks/commands/cutover.ts", ["--stack", "prod", "--api", "v1", "--to", "red", "--root", dir]);
  assert.equal(badColor.code, 1);
  assert.match(badColor.stderr, /--to: expected blue or green, got red/);
  assert.doesNotMatch(badColor.stderr, /\n\s+at /, "no stack trace");
});

test("a release that adds a Durable Object migration cannot be split: cutover --canary refuses with the reason, and the plan says so", async () => {
  // A stack from before migration releases went into both slots: blue has the old release, green the new one.
  const dir = scratchProject(["staging"]);
  const migrations = [
    { tag: "v1", newSqliteClasses: ["McpSession", "PrincipalState"] },
    { tag: "v2", newSqliteClasses: ["AuditLog"] },
  ];
  const { green } = pinReleases([dir], migrations);
  // Blue is live and green (the new release) is idle.
  const file = join(dir, "Pulumi.staging.yaml");
  writeFileSync(file, applyEdits(readFileSync(file, "utf8"), [{ path: ["apiVersions", "v1", "live"], value: "blue" }]));
  const original = readFileSync(file, "utf8");

  const canary = await runScript("stacks/commands/cutover.ts", ["--stack", "staging", "--api", "v1", "--to", "green", "--canary", "10", "--root", dir]);
  assert.equal(canary.code, 3, canary.stdout + canary.stderr);
  assert.match(canary.stderr, new RegExp(`a 10% canary cannot split traffic between blue \\(r-\\w+\\) and green \\(${green}\\): green's Worker adds migration v2\\. Cloudflare refuses to upload a Worker version that carries a Durable Object migration \\(error 10211\\)`));
  assert.equal(readFileSync(file, "utf8"), original, "nothing written");

  // Written by hand anyway, the plan refuses it with the same reason.
  writeFileSync(file, applyEdits(original, [{ path: ["apiVersions", "v1", "canaryPercent"], value: 10 }]));
  const plan = await runScript("stacks/commands/plan.ts", ["--stack", "staging", "--root", dir]);
  assert.equal(plan.code, 1);
  assert.match(plan.stderr, /this stack cannot be deployed: apiVersions\.v1: a 10% canary cannot split traffic .* adds migration v2\. .*error 10211/);

  // Without the canary too: the idle slot cannot hold a version Cloudflare would refuse to upload.
  writeFileSync(file, original);
  const idle = await runScript("stacks/commands/plan.ts", ["--stack", "staging", "--root", dir]);
  assert.equal(idle.code, 1);
  assert.match(idle.stderr, /apiVersions\.v1: green \(r-\w+\) adds migration v2 relative to the live blue .* must declare the same Durable Object migrations/);
});
