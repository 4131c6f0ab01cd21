import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { issuesOf } from "../test/fixtures/config-issues.ts";
import { gitRepo } from "../test/fixtures/git-repo.ts";
import { StackConfigError } from "./config-error.ts";
import { readStackSource } from "./stack-source.ts";

const root = join(import.meta.dirname, "..");
const staging = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8");

/** A repository whose first commit has the staging stack on one region and whose second adds a region. */
function repoWithTwoCommits() {
  const repo = gitRepo();
  repo.commit({ "Pulumi.staging.yaml": staging }, "one region");
  repo.commit({ "Pulumi.staging.yaml": staging.replace("regions: [iad]", "regions: [iad, ord]") }, "two regions");
  return repo;
}

test("a git ref reads the stack file as it was at that commit", () => {
  const { dir } = repoWithTwoCommits();
  const before = readStackSource("HEAD~1", "staging", { root: dir });
  const after = readStackSource("main", "staging", { root: dir });
  assert.deepEqual(before.config.fly.regions, ["iad"]);
  assert.deepEqual(after.config.fly.regions, ["iad", "ord"]);
  assert.equal(before.origin, "HEAD~1:Pulumi.staging.yaml");
  assert.equal(before.kind, "git");
});

test("a file path reads that file, whatever its name", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcp-stack-source-"));
  writeFileSync(join(dir, "before.yaml"), staging.replace("regions: [iad]", "regions: [iad, ams]"));
  const source = readStackSource("before.yaml", "staging", { root: dir });
  assert.equal(source.kind, "file");
  assert.equal(source.stack, "staging");
  assert.deepEqual(source.config.fly.regions, ["iad", "ams"]);
});

test("a config that was bad at the ref is refused with the ref and the path of the bad value", () => {
  const repo = repoWithTwoCommits();
  repo.commit({ "Pulumi.staging.yaml": staging.replace("canaryPercent: 0", "canaryPercent: 150") }, "bad");
  assert.throws(
    () => readStackSource("HEAD", "staging", { root: repo.dir }),
    (error: unknown) => error instanceof StackConfigError && /^HEAD:Pulumi\.staging\.yaml has 1 invalid setting/.test(error.message) && error.issues[0] === "apiVersions.v1.canaryPercent: 150 is above 100 (expected 0..100)",
  );
});

test("an unknown ref, a ref without the stack, and an option-like source each say what was expected", () => {
  const { dir } = repoWithTwoCommits();
  assert.match(issuesOf(() => readStackSource("no-such-branch", "staging", { root: dir }))[0] ?? "", /^\(git\): no-such-branch is not a commit, branch or tag of this repository/);
  assert.match(issuesOf(() => readStackSource("HEAD", "prod", { root: dir }))[0] ?? "", /^\(git\): HEAD has no Pulumi\.prod\.yaml \(expected a file path, or a git ref whose tree has Pulumi\.prod\.yaml\)$/);
  assert.match(issuesOf(() => readStackSource("--output=/tmp/x", "staging", { root: dir }))[0] ?? "", /is neither a file nor a git ref/);
});
