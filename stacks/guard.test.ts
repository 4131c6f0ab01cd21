/**
 * A guarded cutover applies, watches with verify, and on a breach rolls back
 * first: the edit back is written and applied again. Against the real local
 * server, with windows of seconds.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { serverForTests } from "../app/test/support/server-process.ts";
import { runScript, scratchProject } from "../test/fixtures/commands.ts";

const server = serverForTests();
/** Whatever the machine running the tests has, these runs read no real traffic. */
const noCredentials = { CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ANALYTICS_TOKEN: "", FLY_API_TOKEN: "", FLY_METRICS_TOKEN: "" };

const liveOf = (dir: string) => /\n {6}live: (\w+)\n/.exec(readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8"))?.[1];
const applies = (dir: string) => readFileSync(join(dir, "applied.log"), "utf8").trim().split("\n").length;

test("a breach during the guard window leads to the rollback edit, applied", async () => {
  const dir = scratchProject(["staging"]);
  assert.equal(liveOf(dir), "green");
  const broken = new URL("/v9/mcp", server().origin).href; // answers 404 to every session
  const run = await runScript("stacks/commands/cutover.ts", [
    "--stack", "staging", "--api", "v1", "--to", "blue", "--root", dir,
    "--guard", "10s", "--interval", "100ms", "--url", broken, "--apply", `echo applied >> ${join(dir, "applied.log")}`,
  ], noCredentials);
  assert.equal(run.code, 1, run.stdout);
  assert.match(run.stdout, /guard: breach \(error rate 100\.00% .*\); rolling back first/);
  assert.match(run.stdout, /apiVersions\.v1: live blue \(100%\) → live green \(100%\)/);
  assert.match(run.stderr, /cutover rolled back: error rate 100\.00%/);
  assert.equal(liveOf(dir), "green", "the stack file is back where it was");
  assert.equal(applies(dir), 2, "applied for the cutover, then for the rollback");
});

test("a window without a breach keeps the cutover", async () => {
  const dir = scratchProject(["staging"]);
  const run = await runScript("stacks/commands/cutover.ts", [
    "--stack", "staging", "--api", "v1", "--to", "blue", "--root", dir,
    "--guard", "1s", "--interval", "1100ms", "--url", server().mcpUrl.href, "--apply", `echo applied >> ${join(dir, "applied.log")}`,
  ], noCredentials);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /guard: held \(scripted calls only\) · error rate 0\.00%/);
  assert.match(run.stdout, /edge \(Analytics Engine\): not read \(neither CLOUDFLARE_ANALYTICS_TOKEN nor CLOUDFLARE_API_TOKEN is set\); judged by the scripted calls only/);
  assert.equal(liveOf(dir), "blue");
  assert.equal(applies(dir), 1);
});
