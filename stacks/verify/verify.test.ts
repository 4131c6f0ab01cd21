/**
 * `verify` against the real local server: a smoke test passes, a watch prints
 * its numbers as it goes, and an endpoint that fails is a breach (exit 1).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { serverForTests } from "../../app/test/support/server-process.ts";
import { tools } from "../../app/src/tools/index.ts";
import { runScript } from "../../test/fixtures/commands.ts";
import { versionOverrideHeader } from "./headers.ts";

const runVerify = (args: string[]) => runScript("stacks/commands/verify.ts", args);

const server = serverForTests();

test("once, verify is a smoke test: initialize, list, and every registry tool called with its example", async () => {
  const { code, stdout } = await runVerify(["--url", server().mcpUrl.href]);
  const steps = 2 + tools.length;
  assert.equal(code, 0, stdout);
  assert.match(stdout, new RegExp(`session 1: ${steps}/${steps} ok · error rate 0\\.00% \\(0/${steps} steps, 1 session\\), p95 \\d+ ms`));
  assert.match(stdout, /verify: passed/);
});

test("with --watch it repeats for the window and prints the error rate and p95 after each session", async () => {
  // Sessions in quick succession call the same tools with the same examples: signed calls carry a nonce, so none is a replay.
  const { code, stdout } = await runVerify(["--url", server().mcpUrl.href, "--watch", "2500ms", "--interval", "200ms"]);
  assert.equal(code, 0, stdout);
  const sessions = stdout.match(/session \d+: .* p95 \d+ ms/g) ?? [];
  assert.ok(sessions.length >= 2, `several sessions in the window:\n${stdout}`);
});

test("an endpoint that fails crosses the threshold: the watch stops and exits 1", async () => {
  const { code, stdout, stderr } = await runVerify(["--url", new URL("/v9/mcp", server().origin).href, "--watch", "30s", "--interval", "100ms"]);
  assert.equal(code, 1);
  assert.match(stdout, /session 1: 0\/1 ok · error rate 100\.00% \(1\/1 steps, 1 session\)/);
  assert.match(stderr, /verify: error rate 100\.00% .*: above --max-error-rate 0\.01 \(breach\)/);
});

test("a version override names the Worker and the version as a structured-header dictionary", () => {
  assert.equal(versionOverrideHeader("mcp-prod-v1=dc8dcd28-271b-4367-9840-6c244f84cb40"), 'mcp-prod-v1="dc8dcd28-271b-4367-9840-6c244f84cb40"');
  assert.throws(() => versionOverrideHeader("mcp-prod-v1"), /is not <worker script>=<version id>/);
});

test("through a version override, verify says what it checks: that version's Worker code, not the Durable Objects its sessions reach", async () => {
  // The local server ignores the header; what matters here is what the command tells the person reading the run.
  const override = "mcp-staging-v1=dc8dcd28-271b-4367-9840-6c244f84cb40";
  const { code, stdout } = await runVerify(["--url", server().mcpUrl.href, "--version-override", override]);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^version override: the requests run mcp-staging-v1's Worker code of version dc8dcd28-271b-4367-9840-6c244f84cb40; each Durable Object they reach \(every 2025-11-25 session\) runs the version the deployment's percentages assigned it, mostly the live color's/m);
  assert.match(stdout, /its Durable Object code is judged per color by the guard once traffic moves$/m);
  assert.match(stdout, /^verify: passed \(scripted calls only; the Worker code of mcp-staging-v1=dc8dcd28-271b-4367-9840-6c244f84cb40, not its Durable Objects\)/m);
});
