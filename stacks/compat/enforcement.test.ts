/**
 * Where pins move, a breaking change on an existing API version is refused
 * (exit 4) unless --allow-breaking is spelled out; plan checks the same. On
 * Fly each release answers its own calls, so a Fly tool's change is judged
 * like any other, and fly.release (the host runtime) moves only with the runtime.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { runScript, scratchProject } from "../../test/fixtures/commands.ts";
import { makeServingRelease } from "../../test/fixtures/release-store.ts";
import { echoTakesMessage, editStackFile, kbPutWithoutTags, kbSearchSince, pinAll, shipped } from "../../test/fixtures/tool-changes.ts";

async function staging() {
  const dir = scratchProject(["staging", "prod"]);
  const cache = join(dir, ".releases");
  const old = (await makeServingRelease(cache, shipped, { tag: "old" })).manifest.release;
  pinAll(dir, "staging", "v1", old, "green");
  const run = (script: string, ...args: string[]) => runScript(script, ["--root", dir, ...args]);
  const file = (stack = "staging") => readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8");
  return { dir, cache, old, run, file };
}

test("pin --allow-breaking pins a breaking release, says so, and --json records what it allowed", async () => {
  const { cache, old, run } = await staging();
  const renamed = (await makeServingRelease(cache, echoTakesMessage, { tag: "renamed" })).manifest.release;
  const pin = await run("stacks/commands/pin.ts", "--stack", "staging", "--release", renamed, "--allow-breaking", "--json");
  assert.equal(pin.code, 0, pin.stdout + pin.stderr);
  assert.match(pin.stdout, new RegExp(`v1: --allow-breaking: ${renamed} breaks what v1 serves live \\(${old}\\) and is pinned anyway:`));
  assert.match(pin.stdout, new RegExp(`v1: blue \\(idle\\) ${old} → ${renamed}`));
  const summary = JSON.parse(pin.stdout.trim().split("\n").pop()!);
  assert.deepEqual(summary.apis, ["v1"]);
  assert.deepEqual(summary.allowedBreaking.v1, [
    'breaking echo $.inputSchema.properties.text: property "text" removed (or renamed): a pinned client still sends it, and the tool ignores it',
    'breaking echo $.inputSchema.properties.message: required property "message" added: a pinned client does not send it, so its calls are refused',
  ]);
  // The short form is not a flag: the override must be spelled out.
  const short = await run("stacks/commands/pin.ts", "--stack", "staging", "--release", renamed, "-b");
  assert.equal(short.code, 1);
  assert.match(short.stderr, /Unknown option '-b'/);
});

test("a compatible release is pinned with what changed", async () => {
  const { cache, old, run } = await staging();
  const since = (await makeServingRelease(cache, kbSearchSince, { tag: "since" })).manifest.release;
  const pin = await run("stacks/commands/pin.ts", "--stack", "staging", "--release", since);
  assert.equal(pin.code, 0, pin.stderr);
  assert.match(pin.stdout, new RegExp(`v1: MCP surface of ${since} against ${old} \\(live\\): 0 breaking, 1 compatible, 0 worth a human look`));
});

test("a Fly tool's breaking change pinned with --allow-breaking runs beside the old release on Fly: the host runtime stays unless the runtime changed", async () => {
  const { dir, cache, run, file } = await staging();
  const runtime = "7".repeat(64);
  const host = (await makeServingRelease(cache, shipped, { tag: "host", runtime })).manifest.release;
  editStackFile(dir, "staging", [{ path: ["fly", "release"], value: host }]);
  const noTags = (await makeServingRelease(cache, kbPutWithoutTags, { tag: "no-tags", runtime })).manifest.release;
  const pin = await run("stacks/commands/pin.ts", "--stack", "staging", "--release", noTags, "--allow-breaking");
  assert.equal(pin.code, 0, pin.stdout + pin.stderr);
  assert.match(pin.stdout, new RegExp(`fly: host runtime stays ${host} \\(${noTags} runs on it beside the other pinned releases: no new image\\)`));
  assert.equal((parse(file()) as { config: Record<string, { release: string }> }).config["mcp-hosting:fly"]!.release, host);
  const plan = await runScript("stacks/commands/plan.ts", ["--stack", "staging", "--root", dir, "--json"]);
  assert.equal(plan.code, 0, plan.stderr);
  const machine = (JSON.parse(plan.stdout) as { resources: { type: string; inputs: { metadata?: Record<string, string> } }[] }).resources.find((r) => r.type.endsWith("fly:Machine"))!;
  assert.ok(machine.inputs.metadata!["mcp_hosting_releases"]!.split(",").includes(noTags), "the machines serve the new release beside the old");

  // A release built with another runtime moves the host runtime: one new image.
  const newDeps = (await makeServingRelease(cache, shipped, { tag: "new-deps", runtime: "8".repeat(64) })).manifest.release;
  const moved = await run("stacks/commands/pin.ts", "--stack", "staging", "--release", newDeps);
  assert.equal(moved.code, 0, moved.stdout + moved.stderr);
  assert.match(moved.stdout, new RegExp(`fly: ${host} → ${newDeps} \\(it needs another host runtime: a new image`));
});

test("a cutover to a breaking release is refused; --allow-breaking lets it through", async () => {
  const { dir, cache, old, run, file } = await staging();
  const renamed = (await makeServingRelease(cache, echoTakesMessage, { tag: "renamed" })).manifest.release;
  // A pin edited by hand, past pin's check.
  editStackFile(dir, "staging", [{ path: ["apiVersions", "v1", "slots", "blue", "release"], value: renamed }]);
  const before = file();
  for (const canary of [[], ["--canary", "10"]]) {
    const cutover = await run("stacks/commands/cutover.ts", "--stack", "staging", "--api", "v1", "--to", "blue", ...canary);
    assert.equal(cutover.code, 4, cutover.stdout + cutover.stderr);
    assert.match(cutover.stderr, new RegExp(`^cutover refused: pinned clients would fail\\.\\nv1 serves ${old} live, and ${renamed} breaks it:`));
  }
  assert.equal(file(), before);
  const allowed = await run("stacks/commands/cutover.ts", "--stack", "staging", "--api", "v1", "--to", "blue", "--allow-breaking");
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, /v1: --allow-breaking: .* and is pinned anyway/);
  assert.equal((parse(file()).config["mcp-hosting:apiVersions"].v1 as { live: string }).live, "blue");
});

test("promote refuses to put a release that breaks prod's v1 into its idle slot", async () => {
  const { dir, cache, old, run, file } = await staging();
  const renamed = (await makeServingRelease(cache, echoTakesMessage, { tag: "renamed" })).manifest.release;
  pinAll(dir, "staging", "v1", renamed, "green");
  pinAll(dir, "prod", "v1", old, "blue");
  const before = file("prod");
  const promote = await run("stacks/commands/promote.ts", "--from", "staging", "--to", "prod", "--api", "v1");
  assert.equal(promote.code, 4, promote.stdout + promote.stderr);
  assert.match(promote.stderr, new RegExp(`^promote refused: pinned clients would fail\\.\\nv1 serves ${old} live, and ${renamed} breaks it:`));
  assert.match(promote.stderr, /npm run api:add -- --stack prod --api v3 --from v1/);
  assert.equal(file("prod"), before);
});

test("a migration release that also breaks the surface is refused; allowed, it still goes into both slots", async () => {
  const { cache, old, run } = await staging();
  const migrations = [{ tag: "v1", newSqliteClasses: ["McpSession", "PrincipalState"] }, { tag: "v2", newSqliteClasses: ["AuditLog"] }];
  const durableObjects = [
    { binding: "MCP_SESSION", className: "McpSession" },
    { binding: "PRINCIPAL_STATE", className: "PrincipalState" },
    { binding: "AUDIT_LOG", className: "AuditLog" },
  ];
  const both = (await makeServingRelease(cache, echoTakesMessage, { tag: "both", migrations, durableObjects })).manifest.release;
  const refused = await run("stacks/commands/pin.ts", "--stack", "staging", "--release", both);
  assert.equal(refused.code, 4, refused.stdout + refused.stderr);
  const allowed = await run("stacks/commands/pin.ts", "--stack", "staging", "--release", both, "--allow-breaking", "--json");
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stdout, new RegExp(`v1: ${both} is a migration release \\(adds migration v2\\): pinned into both slots.*${old} cannot take traffic again`));
  assert.deepEqual(JSON.parse(allowed.stdout.trim().split("\n").pop()!).migrationReleases, ["v1"]);
});
