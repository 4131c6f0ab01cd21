/**
 * One database, two releases: a release that contracts the Node schema is
 * refused while a release from before its migration is still pinned anywhere
 * in the stack, naming that release and where it is pinned; once it is
 * retired, the same pin goes through. Through the commands a user runs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runScript, scratchProject } from "../../test/fixtures/commands.ts";
import { makeServingRelease } from "../../test/fixtures/release-store.ts";
import { editStackFile, pinAll, shipped } from "../../test/fixtures/tool-changes.ts";
import type { NodeSchema } from "../release/manifest.ts";
import type { ReleaseLookup, ReleaseRecord } from "../release-platform.ts";
import { parseStackFile } from "../load.ts";
import { schemaRule } from "./schema-rule.ts";

const OLD: NodeSchema = { version: 3, contracting: [] };
const EXPANDS: NodeSchema = { version: 4, contracting: [] };
const DROPS_TAGS: NodeSchema = { version: 5, contracting: [{ version: 5, reason: "drops column kb_entries.tags" }] };

/** Staging with v1 pinned to `v1` and a v2 pinned to `v2` (both slots, blue live), and the Fly release `fly`. */
function pinVersions(dir: string, v1: string, v2: string, fly = v2): void {
  pinAll(dir, "staging", "v1", v1);
  editStackFile(dir, "staging", [
    { path: ["apiVersions", "v2", "route"], value: "/v2" },
    { path: ["apiVersions", "v2", "slots", "blue", "release"], value: v2 },
    { path: ["apiVersions", "v2", "slots", "green", "release"], value: v2 },
    { path: ["apiVersions", "v2", "live"], value: "blue" },
    { path: ["apiVersions", "v2", "canaryPercent"], value: 0 },
    { path: ["fly", "release"], value: fly },
  ]);
}

async function project() {
  const dir = scratchProject(["staging"]);
  const cache = join(dir, ".releases");
  const release = async (tag: string, nodeSchema?: NodeSchema) => (await makeServingRelease(cache, shipped, { tag, ...(nodeSchema ? { nodeSchema } : {}) })).manifest.release;
  const old = await release("old", OLD);
  const expands = await release("expands", EXPANDS);
  const drops = await release("drops", DROPS_TAGS);
  const pin = (...args: string[]) => runScript("stacks/commands/pin.ts", ["--root", dir, "--stack", "staging", ...args]);
  const file = () => readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8");
  return { dir, release, old, expands, drops, pin, file };
}

test("a release that only expands the schema is pinned beside an older one", async () => {
  const { dir, old, expands, pin } = await project();
  pinVersions(dir, old, old);
  const run = await pin("--release", expands, "--api", "v2");
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`v2: green \\(idle\\) ${old} → ${expands}; blue stays live with ${old}`));
});

test("a contracting release is refused while an older release is pinned in another API version, and pinned once that one is retired", async () => {
  const { dir, old, expands, drops, pin, file } = await project();
  pinVersions(dir, old, expands);
  const before = file();

  const refused = await pin("--release", drops, "--api", "v2");
  assert.equal(refused.code, 3, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`^pin ${drops} refused: while a release is pinned, the Node database's schema may only expand`));
  assert.match(
    refused.stderr,
    new RegExp(
      `${drops} \\(pinned at v2 blue, v2 green, fly\\.release\\) migrates the Node database to schema version 5, and its migration 5 contracts it: drops column kb_entries\\.tags\\. ` +
        `${old} \\(schema version 3\\), pinned at v1 blue, v1 green, still reads the shape from before it\\. ` +
        `retire ${old}: pin both slots of v1 to ${drops} or a later release, in one pin with the API versions it goes into ` +
        `\\(npm run pin -- --release ${drops} --api v1 --api v2 puts a contracting release into both slots of each\\); then pin ${drops}`,
    ),
  );
  assert.equal(file(), before, "nothing written");

  // As the refusal says: v1 takes the contracting release in the same pin, which retires the older release.
  const pinned = await pin("--release", drops, "--api", "v1", "--api", "v2");
  assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
  for (const api of ["v1", "v2"]) assert.match(pinned.stdout, new RegExp(`${api}: ${drops} contracts the Node database's schema \\(migration 5 drops column kb_entries\\.tags\\): pinned into both slots`));
  const { config } = parseStackFile(join(dir, "Pulumi.staging.yaml"));
  const slots = Object.values(config.apiVersions).flatMap((version) => [version.slots.blue.release, version.slots.green.release]);
  assert.deepEqual([...new Set([...slots, config.fly.release])], [drops]);
});

test("promote refuses a contracting release while the target still pins an older one in an API version the source lacks", async () => {
  const dir = scratchProject(["staging", "prod"]);
  const cache = join(dir, ".releases");
  const old = (await makeServingRelease(cache, shipped, { tag: "old", nodeSchema: OLD })).manifest.release;
  const drops = (await makeServingRelease(cache, shipped, { tag: "drops", nodeSchema: DROPS_TAGS })).manifest.release;
  pinAll(dir, "staging", "v1", drops);
  pinAll(dir, "prod", "v1", old);
  pinAll(dir, "prod", "v2", old);
  const promote = await runScript("stacks/commands/promote.ts", ["--root", dir, "--from", "staging", "--to", "prod"]);
  assert.equal(promote.code, 3, promote.stdout + promote.stderr);
  assert.match(promote.stderr, new RegExp(`^promote refused: .*\\n {2}${drops} \\(pinned at v1 blue, v1 green, fly\\.release\\) .* ${old} \\(schema version 3\\), pinned at v2 blue, v2 green`));
});

test("cutover and plan refuse a stack edited by hand to pin a contracting release beside an older one", async () => {
  const { dir, old, drops } = await project();
  pinVersions(dir, old, drops);
  const cutover = await runScript("stacks/commands/cutover.ts", ["--root", dir, "--stack", "staging", "--api", "v2", "--to", "green"]);
  assert.equal(cutover.code, 3, cutover.stdout + cutover.stderr);
  assert.match(cutover.stderr, new RegExp(`^cutover refused: .*\\n {2}${drops} \\(pinned at v2 blue, v2 green, fly\\.release\\) .* ${old} \\(schema version 3\\), pinned at v1 blue, v1 green`));
  const plan = await runScript("stacks/commands/plan.ts", ["--root", dir, "--stack", "staging", "--json"]);
  assert.equal(plan.code, 1, plan.stdout + plan.stderr);
  assert.match(plan.stderr, /^this stack cannot be deployed: while a release is pinned, the Node database's schema may only expand/);
});

test("a release built before manifests recorded the schema is a note on a laptop; one that cannot be read is refused in CI", async () => {
  const { dir, release, expands, pin } = await project();
  const unrecorded = await release("unrecorded");
  pinVersions(dir, unrecorded, expands);
  const noted = await pin("--release", expands, "--api", "v2");
  assert.equal(noted.code, 0, noted.stdout + noted.stderr);
  assert.match(noted.stdout, new RegExp(`note: ${unrecorded} \\(v1 blue, v1 green\\): its Node schema was not compared with the other pinned releases: it was built before manifests recorded the Node schema`));

  editStackFile(dir, "staging", [{ path: ["apiVersions", "v1", "slots", "blue", "release"], value: "r-0123456789ab" }]);
  const ci = await runScript("stacks/commands/pin.ts", ["--root", dir, "--stack", "staging", "--release", expands, "--api", "v2"], { CI: "true" });
  assert.equal(ci.code, 5, ci.stdout + ci.stderr);
  assert.match(ci.stderr, /^pin r-[0-9a-f]{12} refused in CI: checking the Node schema of every pinned release against the others needs a release that cannot be read here:\n {2}r-0123456789ab: /);
});

test("the refusal says to wait for a canary before retiring a release it still serves", () => {
  const dir = scratchProject(["staging"]);
  pinVersions(dir, "r-000000000001", "r-000000000002");
  editStackFile(dir, "staging", [
    { path: ["apiVersions", "v1", "slots", "green", "release"], value: "r-000000000002" },
    { path: ["apiVersions", "v1", "canaryPercent"], value: 10 },
  ]);
  const { config } = parseStackFile(join(dir, "Pulumi.staging.yaml"));
  const worker = { mainModule: "worker.js", compatibilityDate: "2026-01-01", compatibilityFlags: [], durableObjects: [], migrations: [] };
  const records: Record<string, ReleaseRecord> = {
    "r-000000000001": { release: "r-000000000001", worker, tools: [], nodeSchema: OLD },
    "r-000000000002": { release: "r-000000000002", worker, tools: [], nodeSchema: DROPS_TAGS },
  };
  const lookup: ReleaseLookup = { get: (id) => records[id], why: () => undefined };
  const [problem] = schemaRule(config, lookup).problems;
  assert.match(problem!, /retire r-000000000001: wait until v1's 10% canary completes \(or roll it back\), then pin both slots of v1 to r-000000000002 or a later release/);
});
