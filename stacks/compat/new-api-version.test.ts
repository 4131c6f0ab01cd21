/**
 * The whole path of a breaking change, as docs/tool-contracts.md's "A breaking
 * change ships as a new API version" walks it: refused on /v1, `api:add v2`, pinned (the
 * pipeline's pin, without --api, leaves v1 alone), cut over, and v1 keeps
 * serving what it served, Worker untouched. Every step is the command a
 * person runs; the plan is the offline diff of the stack file.
 */
import assert from "node:assert/strict";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { runScript, scratchProject } from "../../test/fixtures/commands.ts";
import { makeServingRelease } from "../../test/fixtures/release-store.ts";
import { echoTakesMessage, kbSearchSince, pinAll, shipped } from "../../test/fixtures/tool-changes.ts";

interface DiffJson {
  changes: { kind: string; type: string; name: string }[];
}

const stackOf = (dir: string) => (parse(readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
const apiVersions = (dir: string) => stackOf(dir)["mcp-hosting:apiVersions"] as Record<string, Record<string, unknown>>;

async function diff(dir: string, before: string): Promise<DiffJson> {
  const run = await runScript("stacks/commands/plan.ts", ["--stack", "staging", "--root", dir, "--json", "--diff", before]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as DiffJson;
}

test("a breaking change is refused on v1, then ships as v2 while v1 keeps serving the old release", async () => {
  const dir = scratchProject(["staging"]);
  const cache = join(dir, ".releases");
  const old = (await makeServingRelease(cache, shipped, { tag: "old" })).manifest.release;
  const renamed = (await makeServingRelease(cache, echoTakesMessage, { tag: "renamed" })).manifest.release;
  pinAll(dir, "staging", "v1", old, "green");
  const start = join(dir, "start.yaml");
  cpSync(join(dir, "Pulumi.staging.yaml"), start);
  const run = (script: string, ...args: string[]) => runScript(script, ["--stack", "staging", "--root", dir, ...args]);

  // 1. echo's `text` became `message`: refused on v1, with the way to publish it.
  const refused = await run("stacks/commands/pin.ts", "--release", renamed);
  assert.equal(refused.code, 4, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`^pin ${renamed} refused: pinned clients would fail\\.\\nv1 serves ${old} live, and ${renamed} breaks it:`));
  assert.match(refused.stderr, /breaking echo \$\.inputSchema\.properties\.text: property "text" removed \(or renamed\)/);
  assert.match(refused.stderr, /breaking echo \$\.inputSchema\.properties\.message: required property "message" added/);
  assert.match(refused.stderr, new RegExp(`npm run api:add -- --stack staging --api v2 --from v1, then npm run pin -- --stack staging --release ${renamed} --api v2`));
  assert.equal(readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8"), readFileSync(start, "utf8"), "nothing written");

  // 2. api:add v2: the plan shows exactly the new Worker, its route and its Modal apps.
  const added = await run("stacks/commands/api-add.ts", "--api", "v2", "--from", "v1");
  assert.equal(added.code, 0, added.stderr);
  assert.deepEqual(apiVersions(dir).v2, { route: "/v2", slots: { blue: { release: old }, green: { release: old } }, live: "green", canaryPercent: 0, preview: true });
  const plan = await diff(dir, start);
  assert.deepEqual(plan.changes.map((c) => `${c.kind} ${c.name}`).sort(), [
    "create edge-v2-blue",
    "create edge-v2-deployment",
    "create edge-v2-green",
    "create edge-v2-migrations",
    "create edge-v2-route",
    "create edge-v2-worker",
    "create modal-v2-blue-deploy",
    "create modal-v2-green-deploy",
  ]);

  // 3. The pipeline's pin (no --api): v2 (in preview) takes the release, v1 is left on the old one.
  const pinned = await run("stacks/commands/pin.ts", "--release", renamed, "--json");
  assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
  assert.match(pinned.stdout, new RegExp(`v1: not pinned: ${renamed} breaks what v1 serves live \\(${old}\\), and v2 takes it; v1 keeps serving ${old}:`));
  assert.match(pinned.stdout, /v2: in preview \(added by npm run api:add, not yet cut over\): no client depends on it/);
  const summary = JSON.parse(pinned.stdout.trim().split("\n").pop()!);
  assert.deepEqual(summary.apis, ["v2"]);
  assert.deepEqual(summary.leftBehind, ["v1"]);

  // 4. Cut v2 over: it leaves preview.
  const cutover = await run("stacks/commands/cutover.ts", "--api", "v2", "--to", "blue");
  assert.equal(cutover.code, 0, cutover.stdout + cutover.stderr);
  assert.match(cutover.stdout, /v2 leaves preview/);
  assert.deepEqual(apiVersions(dir).v2, {
    route: "/v2",
    slots: { blue: { release: renamed }, green: { release: old } },
    live: "blue",
    canaryPercent: 0,
    rollbackTo: { live: "green", release: old },
  });

  // v1 is untouched: same pins, same traffic; its Worker, versions, deployment and Modal apps do not change.
  assert.deepEqual(apiVersions(dir).v1, { route: "/v1", slots: { blue: { release: old }, green: { release: old } }, live: "green", canaryPercent: 0 });
  const end = await diff(dir, start);
  assert.deepEqual(end.changes.filter((c) => c.name.includes("v1")), []);
  assert.equal((stackOf(dir)["mcp-hosting:fly"] as { release: string }).release, renamed, "the Fly release moved: echo is an edge tool, so it serves v1's Fly tools as before");

  // From now on v2 is published: the old surface is a breaking change there, and a compatible release goes on.
  const back = await run("stacks/commands/pin.ts", "--release", old, "--api", "v2");
  assert.equal(back.code, 4, back.stdout + back.stderr);
  assert.match(back.stderr, /v2 serves .* live, and .* breaks it/);
  const later = (await makeServingRelease(cache, echoTakesMessage.map((tool) => kbSearchSince.find((t) => t.name === tool.name && t.name === "kb_search") ?? tool), { tag: "later" })).manifest.release;
  const next = await run("stacks/commands/pin.ts", "--release", later, "--json");
  assert.equal(next.code, 0, next.stdout + next.stderr);
  assert.match(next.stdout, new RegExp(`v2: MCP surface of ${later} against ${renamed} \\(live\\): 0 breaking, 1 compatible, 0 worth a human look`));
  assert.deepEqual(JSON.parse(next.stdout.trim().split("\n").pop()!).leftBehind, ["v1"]);
});
