/**
 * `npm run api:add` adds an API version to a stack file the way a person would:
 * comments and order kept, the result validated by the schema, and every
 * mistake named with what was expected.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runScript, scratchProject } from "../test/fixtures/commands.ts";
import { editStackFile } from "../test/fixtures/tool-changes.ts";
import { parseStackFile } from "./load.ts";
import { lineDiff } from "./stack-edit.ts";

const add = (dir: string, ...args: string[]) => runScript("stacks/commands/api-add.ts", ["--root", dir, ...args]);

test("v3 from v2 in prod: its route, v2's live release in both slots, v2's rate limit, in preview; nothing else changes", async () => {
  const dir = scratchProject(["prod"]);
  const file = join(dir, "Pulumi.prod.yaml");
  const before = readFileSync(file, "utf8");
  const run = await add(dir, "--stack", "prod", "--api", "v3");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /apiVersions\.v3: a new API version at \/v3, serving what v2 serves live \(r-8c2e5a1f9d07\) in both slots, in preview until its first full cutover/);
  const after = readFileSync(file, "utf8");
  assert.deepEqual(
    lineDiff(before, after, 0).filter((line) => /^[-+]/.test(line)),
    ["+     v3:", "+       route: /v3", "+       slots:", "+         blue:", "+           release: r-8c2e5a1f9d07", "+         green:", "+           release: r-8c2e5a1f9d07", "+       live: blue", "+       canaryPercent: 0", "+       rateLimit:", "+         callsPerMinute: 240", "+       preview: true"],
  );
  assert.ok(after.startsWith('# Stack "prod"'), "comments kept");
  assert.equal(parseStackFile(file).config.apiVersions.v3?.preview, true);
});

test("--dry-run writes nothing", async () => {
  const dir = scratchProject(["staging"]);
  const before = readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8");
  const run = await add(dir, "--stack", "staging", "--api", "v2", "--dry-run");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /dry run: nothing written/);
  assert.equal(readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8"), before);
});

test("bad input: an existing version, a name that is not vN, a --from not in the stack, a route already taken", async () => {
  const dir = scratchProject(["prod"]);
  const cases: [string[], RegExp][] = [
    [["--api", "v2"], /^--api v2: prod already has v2 \(expected a new API version, e.g\. v3\)\n/],
    [["--api", "version3"], /^--api: "version3" is not an API version name \(expected v1, v2, …\)\n/],
    [["--api", "v3", "--from", "v7"], /^--from v7: prod has no API version v7 \(expected one of v1, v2\)\n/],
    [[], /^--api is required \(the new API version, e.g\. v2\)\nusage: npm run api:add/],
  ];
  for (const [args, expected] of cases) {
    const run = await add(dir, "--stack", "prod", ...args);
    assert.equal(run.code, 1, args.join(" "));
    assert.match(run.stderr, expected);
  }
  editStackFile(dir, "prod", [{ path: ["apiVersions", "v2", "route"], value: "/v3" }]);
  const taken = await add(dir, "--stack", "prod", "--api", "v3");
  assert.match(taken.stderr, /^--api v3: the route \/v3 is already v2's \(expected a version whose route is free\)\n/);
});

test("an invalid stack file is refused with the path of the bad value, and nothing is written", async () => {
  const dir = scratchProject(["staging"]);
  const file = join(dir, "Pulumi.staging.yaml");
  editStackFile(dir, "staging", [{ path: ["apiVersions", "v1", "preview"], value: "yes" }]);
  const before = readFileSync(file, "utf8");
  const run = await add(dir, "--stack", "staging", "--api", "v2");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /apiVersions\.v1\.preview: "yes" is not true or false/);
  assert.equal(readFileSync(file, "utf8"), before);
});
