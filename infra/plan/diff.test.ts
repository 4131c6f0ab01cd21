/**
 * The offline diff says what `pulumi preview` will say: which resources change
 * and how each provider applies the change.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseStackFile } from "../../stacks/load.ts";
import { applyEdits } from "../../stacks/stack-edit.ts";
import { runScript, scratchProject } from "../../test/fixtures/commands.ts";
import { testReleases } from "../../test/fixtures/releases.ts";
import { buildStack } from "../stack.ts";
import { diffPrograms } from "./diff.ts";
import { evaluateOffline } from "./evaluate.ts";
import { FLY_KINDS, REPLACE_RULES, SCRIPT_MIGRATIONS } from "./replace-rules.ts";

const root = join(import.meta.dirname, "..", "..");
const releases = testReleases();
const prod = parseStackFile(join(root, "Pulumi.prod.yaml"));

test("every resource type the program registers has its provider's replace rule", async () => {
  for (const stack of ["staging", "prod"]) {
    const { config } = parseStackFile(join(root, `Pulumi.${stack}.yaml`));
    const { registrations } = await evaluateOffline(stack, () => buildStack(config, { stack, releases }));
    const types = new Set(registrations.filter((r) => r.custom).map((r) => r.type));
    for (const type of types) assert.ok(type in REPLACE_RULES || type in FLY_KINDS || type === SCRIPT_MIGRATIONS, `no replace rule for ${type}`);
  }
});

test("the same config changes nothing", async () => {
  const diff = await diffPrograms("prod", () => buildStack(prod.config, { stack: "prod", releases }), () => buildStack(prod.config, { stack: "prod", releases }));
  assert.deepEqual(diff.changes, []);
  assert.ok(diff.unchanged > 30);
});

test("a new release in an idle slot uploads a new version there, updates that color's Modal app, and adds the release to what each Fly machine serves; live traffic does not move", async () => {
  const next = structuredClone(prod.config.apiVersions);
  next.v2!.slots.green.release = "r-0123456789ab"; // v2: blue live, no canary
  const diff = await diffPrograms(
    "prod",
    () => buildStack(prod.config, { stack: "prod", releases }),
    () => buildStack({ ...prod.config, apiVersions: next }, { stack: "prod", releases }),
  );
  assert.deepEqual(diff.changes.map((c) => `${c.kind} ${c.name}`).sort(), [
    "create release-trees-r-0123456789ab",
    "replace edge-v2-green",
    "update fly-machine-ams",
    "update fly-machine-iad",
    "update fly-machine-lax",
    "update fly-machine-nrt",
    "update modal-v2-green-deploy",
  ]);
  const version = diff.changes.find((c) => c.name === "edge-v2-green")!;
  assert.ok(version.inputs.some((i) => i.path === "modules[0].contentBase64"), "new code");
  assert.ok(version.inputs.some((i) => i.path === "annotations.workersTag" && i.after === "r-0123456789ab"));
  // The machines' image stays: only what they serve changes (one update per region, rolled as ever).
  for (const machine of diff.changes.filter((c) => c.name.startsWith("fly-machine-"))) {
    assert.deepEqual(machine.inputs.map((i) => i.path).sort(), ["env.MCP_RELEASES", "metadata.mcp_hosting_releases"], machine.name);
    assert.match(String(machine.inputs.find((i) => i.path === "metadata.mcp_hosting_releases")!.after), /r-0123456789ab/);
  }
});

test("a new Fly region creates its volume and machine; nothing is replaced", async () => {
  const fly = { ...prod.config.fly, regions: [...prod.config.fly.regions, "syd" as const] };
  const diff = await diffPrograms("prod", () => buildStack(prod.config, { stack: "prod", releases }), () => buildStack({ ...prod.config, fly }, { stack: "prod", releases }));
  assert.deepEqual(diff.counts.replace, 0);
  assert.deepEqual(diff.changes.filter((c) => c.kind === "create").map((c) => c.name).sort(), ["fly-machine-syd", "fly-volume-syd"]);
});

test("plan --diff against a file prints each change with its inputs and the totals", async () => {
  const dir = scratchProject(["prod"]);
  const before = join(dir, "before.yaml");
  const text = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
  writeFileSync(before, text);
  writeFileSync(join(dir, "Pulumi.prod.yaml"), applyEdits(text, [{ path: ["apiVersions", "v1", "canaryPercent"], value: 25 }]));
  const run = await runScript("stacks/commands/plan.ts", ["--stack", "prod", "--diff", before, "--root", dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /This is NOT `pulumi preview`/);
  assert.match(run.stdout, /^\+- cloudflare:WorkersDeployment {2}edge-v1-deployment {2}\(in edge-v1\) {2}replace$/m);
  assert.match(run.stdout, /^ {6}versions\[0\]\.percentage: 90 → 75$/m);
  assert.match(run.stdout, /^Resources: 0 to create, 0 to update, 1 to replace, 0 to delete, \d+ unchanged\.$/m);
});

test("plan --diff with a ref git does not know says what it expected", async () => {
  const run = await runScript("stacks/commands/plan.ts", ["--stack", "prod", "--diff", "no-such-ref"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no-such-ref is not a commit, branch or tag of this repository \(expected a file path, or a git ref whose tree has Pulumi\.prod\.yaml\)/);
});
