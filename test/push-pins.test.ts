/**
 * .github/scripts/push-pins.sh against real git: a bare remote, the run's
 * shallow checkout (as actions/checkout makes it) and a teammate whose merge
 * lands while the run waits out its guard.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const script = join(import.meta.dirname, "..", ".github", "scripts", "push-pins.sh");
const identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"];

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", [...identity, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A remote with one commit on main; the run's depth-1 checkout of it; a teammate's full clone. */
function repos() {
  const base = mkdtempSync(join(tmpdir(), "mcp-push-pins-"));
  const remote = join(base, "remote.git");
  git(base, "init", "-q", "--bare", "-b", "main", remote);
  const seed = join(base, "seed");
  git(base, "clone", "-q", remote, seed);
  writeFileSync(join(seed, "Pulumi.staging.yaml"), "config:\n  live: blue\n  release: r-000000000001\n");
  writeFileSync(join(seed, "README.md"), "hello\n");
  git(seed, "add", "--all");
  git(seed, "commit", "-qm", "start");
  git(seed, "push", "-q", "origin", "HEAD:main");
  const run = join(base, "run");
  git(base, "clone", "-q", "--depth", "1", "--branch", "main", `file://${remote}`, run);
  git(run, "config", "user.name", "github-actions[bot]");
  git(run, "config", "user.email", "bot@example.com");
  const teammate = join(base, "teammate");
  git(base, "clone", "-q", remote, teammate);
  return { base, remote, run, teammate };
}

/** The run commits its cutover; meanwhile the teammate's commit lands on main. */
function race(run: string, teammate: string, teammateFile: string, teammateText: string, teammateMessage: string): void {
  writeFileSync(join(run, "Pulumi.staging.yaml"), "config:\n  live: green\n  release: r-000000000001\n");
  git(run, "commit", "-qam", "Cut over v1 in staging to green [skip ci]");
  writeFileSync(join(teammate, teammateFile), teammateText);
  git(teammate, "commit", "-qam", teammateMessage);
  git(teammate, "push", "-q", "origin", "HEAD:main");
}

function push(dir: string, env: NodeJS.ProcessEnv = {}) {
  const output = join(dir, "..", `output-${Math.random().toString(16).slice(2)}`);
  writeFileSync(output, "");
  const result = spawnSync("bash", [script], { cwd: dir, encoding: "utf8", env: { ...process.env, GITHUB_OUTPUT: output, PUSH_BACKOFF_SECONDS: "0", ...env } });
  return { ...result, output: readFileSync(output, "utf8") };
}

test("a merge that landed during the run: the cutover commit is rebased onto it and pushed, the merge kept", () => {
  const { remote, run, teammate } = repos();
  race(run, teammate, "README.md", "hello, world\n", "Merge pull request #7");

  const result = push(run);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /::warning::push to main refused \(attempt 1 of 5\): main moved; rebasing/);
  assert.deepEqual(git(remote, "log", "--format=%s", "main").split("\n"), ["Cut over v1 in staging to green [skip ci]", "Merge pull request #7", "start"]);
  assert.equal(git(remote, "show", "main:Pulumi.staging.yaml"), "config:\n  live: green\n  release: r-000000000001");
  assert.equal(result.output.trim(), `sha=${git(remote, "rev-parse", "main")}`);
});

test("a merge that changed the same pins: nothing is pushed, and the run fails loudly with what the cloud runs", () => {
  const { remote, run, teammate } = repos();
  race(run, teammate, "Pulumi.staging.yaml", "config:\n  live: blue\n  release: r-00000000abcd\n", "Pin by hand");
  const head = git(remote, "rev-parse", "main");

  const result = push(run);
  assert.equal(result.status, 1);
  assert.match(result.stdout, /::error::this run's commits conflict with what landed on main, so they were not pushed\. The cloud runs what this run applied:/);
  assert.match(result.stdout, /Cut over v1 in staging to green/);
  assert.match(result.stdout, /^\+ {2}live: green$/m, "the stack file as the cloud has it");
  assert.equal(git(remote, "rev-parse", "main"), head, "main untouched");
  assert.equal(git(run, "status", "--porcelain"), "", "no rebase left half done");
});

test("nothing new to push is not an error", () => {
  const { run } = repos();
  const result = push(run);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /nothing to push: main already has/);
});
