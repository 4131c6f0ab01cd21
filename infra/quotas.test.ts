/**
 * The stack's quotas block reaches both runtimes as MCP_QUOTAS, and a block that
 * cannot work is refused by path before anything registers, by the program and by `npm run plan`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { StackConfigError } from "../stacks/load.ts";
import { bindingsOf, ofType, reveal, T } from "../test/fixtures/registrations.ts";
import { validRawStack } from "../test/fixtures/stack-config.ts";
import { runStackProgram } from "../test/fixtures/stack-program.ts";

const QUOTAS = { callsPerMinute: 120, callsPerDay: 5000, tools: { csv_cluster: { callsPerMinute: 5, callsPerDay: 200 } } };
const root = join(import.meta.dirname, "..");

function program(quotas: unknown) {
  return runStackProgram({ ...validRawStack(), quotas });
}

test("quotas reach every Worker version and every Fly machine as MCP_QUOTAS, the same JSON", async () => {
  const { registrations, error } = await program(QUOTAS);
  assert.equal(error, undefined);
  const versions = ofType(registrations, T.version);
  assert.ok(versions.length >= 2);
  for (const version of versions) assert.deepEqual(JSON.parse(String(bindingsOf(version).get("MCP_QUOTAS")?.text)), QUOTAS);
  const machines = ofType(registrations, T.flyMachine);
  assert.ok(machines.length >= 1);
  for (const machine of machines) assert.deepEqual(JSON.parse((reveal(machine.inputs.env) as Record<string, string>).MCP_QUOTAS!), QUOTAS);
});

test("without a quotas block nothing is bound", async () => {
  const { registrations } = await program(undefined);
  for (const version of ofType(registrations, T.version)) assert.equal(bindingsOf(version).has("MCP_QUOTAS"), false);
  for (const machine of ofType(registrations, T.flyMachine)) assert.equal("MCP_QUOTAS" in (reveal(machine.inputs.env) as object), false);
});

for (const [what, quotas, line] of [
  ["a tool's daily limit above its key's", { ...QUOTAS, tools: { csv_cluster: { callsPerDay: 9000 } } }, "quotas.tools.csv_cluster.callsPerDay: 9000 is above callsPerDay 5000, the limit of all tools together (expected at most 5000)"],
  ["a tool the release does not have", { ...QUOTAS, tools: { csv_clusters: { callsPerDay: 10 } } }, "quotas.tools.csv_clusters: no tool named csv_clusters in a pinned release or this tree (expected one of echo,"],
  ["a tenant claim without an issuer whose tokens could carry it", { ...QUOTAS, tenantClaim: "org_id" }, "quotas.tenantClaim: is set but auth is not (expected an auth block too: only an issuer's access tokens carry claims)"],
] as const) {
  test(`${what} is refused by path, and nothing registers`, async () => {
    const { registrations, error } = await program(quotas);
    assert.ok(error instanceof StackConfigError, String(error));
    assert.ok(error.issues.some((issue) => issue.startsWith(line)), error.issues.join("\n"));
    assert.equal(registrations.length, 0);
  });
}

test("npm run plan fails on a tool's limit above its key's, naming the path", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcp-plan-"));
  const staging = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8");
  const block = "  mcp-hosting:quotas:\n    callsPerMinute: 60\n    callsPerDay: 1000\n    tools:\n      csv_cluster:\n        callsPerDay: 5000\n";
  writeFileSync(join(dir, "Pulumi.broken.yaml"), staging.replace("config:\n", `config:\n${block}`));
  mkdirSync(join(dir, "app", "modal"), { recursive: true });
  copyFileSync(join(root, "app", "modal", "modal_app.py"), join(dir, "app", "modal", "modal_app.py"));
  const run = spawnSync(process.execPath, [join(root, "stacks", "commands", "plan.ts"), "--stack", "broken", "--root", dir], { cwd: root, encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /^ {2}quotas\.tools\.csv_cluster\.callsPerDay: 5000 is above callsPerDay 1000, the limit of all tools together \(expected at most 1000\)$/m);
});
