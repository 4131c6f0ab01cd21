/**
 * `cutover --guard` judging a canary by real traffic: the Analytics Engine
 * SQL API and Prometheus on Fly.io are local fakes serving series recorded
 * from real local traffic (test/fixtures/telemetry/), changed as a bad
 * release would change them. Each scenario leads to its decision, and a
 * breach to the rollback edit, applied.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { serverForTests } from "../../app/test/support/server-process.ts";
import { runScript, scratchProject } from "../../test/fixtures/commands.ts";
import { pinReleases } from "../../test/fixtures/release-store.ts";
import { type FakeQueryApis, startFakeQueryApis } from "../../test/fixtures/telemetry/fake-query-apis.ts";
import { replay, scenario, type ScenarioName } from "../../test/fixtures/telemetry/scenarios.ts";

const server = serverForTests();
// staging runs green live; the canary goes to blue.
const colors = { live: "green", canary: "blue" };
const stackOf = (dir: string) => readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8");
const applies = (dir: string) => readFileSync(join(dir, "applied.log"), "utf8").trim().split("\n").length;

describe("a guarded canary judged by recorded real traffic", () => {
  let apis: FakeQueryApis;
  before(async () => void (apis = await startFakeQueryApis()));
  after(() => apis.close());
  afterEach(async () => {
    await apis.close();
    apis = await startFakeQueryApis();
  });

  async function guardedCanary(name: ScenarioName, options: { guard?: string; prepare?: () => void } = {}) {
    await replay(apis.store, scenario(name, colors), { dataset: "mcp_calls_staging", flyApp: "mcp-hosting-staging", apiVersion: "v1" });
    options.prepare?.();
    const dir = scratchProject(["staging"]);
    pinReleases([dir]);
    const run = await runScript(
      "stacks/commands/cutover.ts",
      [
        "--stack", "staging", "--api", "v1", "--to", "blue", "--canary", "10", "--root", dir,
        "--guard", options.guard ?? "1s", "--interval", "200ms", "--traffic-window", "1h",
        "--url", server().mcpUrl.href, "--apply", `echo applied >> ${join(dir, "applied.log")}`,
      ],
      apis.env,
    );
    return { dir, run };
  }

  function assertRolledBack(dir: string, run: { code: number | null; stdout: string; stderr: string }, breach: RegExp) {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, breach);
    assert.match(run.stdout, /; rolling back first/);
    assert.match(run.stdout, /apiVersions\.v1: live green 90%, canary blue 10% → live green \(100%\)/, "the rollback edit");
    assert.match(run.stdout, /^-\s+canaryPercent: 10\n\+\s+canaryPercent: 0$/m);
    assert.match(stackOf(dir), /\n {6}live: green\n {6}canaryPercent: 0\n/, "the stack file is back to green alone");
    assert.equal(applies(dir), 2, "applied for the canary, then for the rollback");
    assert.match(run.stderr, /cutover rolled back: /);
  }

  test("a healthy canary is held, judged by real traffic on both platforms", async () => {
    const { dir, run } = await guardedCanary("healthy");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /real traffic: blue judged against green over the last 3600 s, from edge \(Analytics Engine\), Fly \(Prometheus\); each color needs 300 calls/);
    assert.match(run.stdout, /^edge \(Analytics Engine\): healthy \(error rate: blue 1\.\d+% \(\d+\/1000\) vs green 1\.\d+% \(\d+\/1000\)/m);
    assert.match(run.stdout, /^Fly \(Prometheus\): healthy \(/m);
    assert.match(run.stdout, /guard: held \(real traffic and scripted calls\)/);
    assert.match(stackOf(dir), /\n {6}live: green\n {6}canaryPercent: 10\n/);
    assert.equal(applies(dir), 1);
  });

  test("a canary with three times the error rate is rolled back", async () => {
    const { dir, run } = await guardedCanary("errors3x");
    assertRolledBack(dir, run, /guard: breach \(edge \(Analytics Engine\): error rate blue [\d.]+% \(\d+\/1000\) vs green [\d.]+% \(\d+\/1000\): 3\.\d× \(limit 2×\)/);
    assert.match(run.stdout, /Fly \(Prometheus\): error rate blue/, "Fly's numbers show it too");
  });

  test("a slower canary is rolled back on its p95", async () => {
    const { dir, run } = await guardedCanary("slower");
    assertRolledBack(dir, run, /guard: breach \(edge \(Analytics Engine\): p95 latency blue \d+ ms vs green \d+ ms: [\d.]+× \(limit 1\.5× and \+50 ms\)/);
  });

  test("a canary whose agents stopped calling a tool is rolled back on the tool mix", async () => {
    const { dir, run } = await guardedCanary("missingTool");
    assertRolledBack(dir, run, /guard: breach \(edge \(Analytics Engine\): tool mix Jensen–Shannon distance 0\.\d+ \(limit 0\.15\); most moved: kb_search 2\d\.\d+% → 0\.00%/);
  });

  test("below the minimum traffic the guard says so and rests on the scripted calls, never passing in silence", async () => {
    const { run } = await guardedCanary("quiet");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^edge \(Analytics Engine\): not enough traffic to judge \(error rate: not enough traffic, blue has 40 calls, green 1000; each needs at least 300;.*\); judged by the scripted calls only$/m);
    assert.match(run.stdout, /guard: held \(scripted calls only\)/);
  });

  test("a query API that fails in the middle of the window is reported, and the canary is not taken for healthy", async () => {
    // Each reading asks the SQL API twice: the second reading onwards gets 500.
    const { run } = await guardedCanary("healthy", { guard: "1500ms", prepare: () => apis.failFrom("analytics", 3, 500) });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /real traffic, edge \(Analytics Engine\): healthy/, "the first reading was good");
    assert.match(run.stdout, /real traffic, edge \(Analytics Engine\): could not be read \(the Analytics Engine SQL API answered HTTP 500: internal error \(injected by the test\)\); judged by the scripted calls only/);
    assert.match(run.stdout, /^edge \(Analytics Engine\): could not be read/m, "the closing report says the last reading failed");
    assert.match(run.stdout, /guard: held \(scripted calls only\)/);
    assert.doesNotMatch(run.stdout, /held \(real traffic/);
  });
});
