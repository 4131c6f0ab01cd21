// The official conformance suite, every server scenario of both protocol eras, against both runtimes with the
// fixtures: `MCP_FIXTURES=conformance npm start` and `MCP_FIXTURES=conformance npm run dev:edge` (wrangler dev,
// workerd, offline), each with its own Fly service and Python compute runner behind it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { runScript } from "../../test/fixtures/commands.ts";
import type { ServingProcess } from "../scripts/serving-process.ts";
import { ERAS, readExpectedFailures, runSuite, type Era, type ScenarioOutcome } from "./support/conformance.ts";
import { startDevEdge } from "./support/dev-edge.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const EXPECTED = readExpectedFailures(fileURLToPath(new URL("./conformance-expected-failures.yaml", import.meta.url)));

describe("the conformance suite, both eras, on Node and on the Worker, with the fixtures", () => {
  let node: ServerProcess;
  let edge: ServingProcess;
  const edgeData = mkdtempSync(join(tmpdir(), "dev-edge-"));

  before(async () => {
    [node, edge] = await Promise.all([startServer({ env: { MCP_FIXTURES: "conformance" } }), startDevEdge(edgeData, { MCP_FIXTURES: "conformance" })]);
  });
  after(async () => {
    await Promise.all([node?.stop(), edge?.stop()]);
    removeDataDir(node.dataDir);
    rmSync(edgeData, { recursive: true, force: true });
  });

  test("dev:edge serves the same API versions as npm start, through workerd", async () => {
    const health = await (await fetch(new URL("/healthz", edge.origin))).json();
    assert.deepEqual(health.apiVersions, ["v1", "v2"]);
  });

  test("each API path reports the release and color serving it, which verify --expect-release checks", async () => {
    const health = await (await fetch(new URL("/v2/healthz", edge.origin))).json();
    assert.deepEqual([health.release, health.color], ["local", "local"]);
    const served = await runScript("stacks/commands/verify.ts", ["--url", edge.mcpUrl.href, "--expect-release", "local"]);
    assert.equal(served.code, 0, served.stdout + served.stderr);
    assert.match(served.stdout, /serves release local \(local\)/);
    const other = await runScript("stacks/commands/verify.ts", ["--url", edge.mcpUrl.href, "--expect-release", "r-0123456789ab"]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /is served by release local \(local\), not r-0123456789ab; a version override applies only to a version in the current deployment/);
  });

  test("every scenario passes, or fails as the expected-failures file says, with no warning", async (t) => {
    const targets = [
      { runtime: "node", url: node.mcpUrl.href },
      { runtime: "worker", url: edge.mcpUrl.href },
    ];
    // The four runs are independent (a server per runtime, a session or request per scenario): run them at once.
    const runs = await Promise.all(targets.flatMap(({ runtime, url }) => ERAS.map(async (era) => ({ runtime, era, outcomes: await runSuite(url, era) }))));
    const table: string[] = [];
    for (const { runtime, era, outcomes } of runs) {
      assert.ok(outcomes.length >= (era === "2026-07-28" ? 40 : 33), `${runtime} ${era}: only ${outcomes.length} scenarios ran`);
      for (const outcome of outcomes) {
        table.push(`${runtime} ${era} ${outcome.scenario}: ${verdict(outcome)}`);
        await t.test(`${runtime} ${era} ${outcome.scenario}`, () => judge(outcome, runtime, era));
      }
    }
    t.diagnostic(table.join("\n"));
  });
});

function verdict(outcome: ScenarioOutcome): string {
  if (outcome.failed.length + outcome.warned.length === 0) return "pass";
  return EXPECTED.has(outcome.scenario) ? "expected failure" : "FAIL";
}

/** A scenario passes with no failed or warned check; an expected one fails exactly as listed, or the list is stale. */
function judge(outcome: ScenarioOutcome, runtime: string, era: Era): void {
  const problems = [...outcome.failed, ...outcome.warned];
  const where = `${outcome.scenario} on ${runtime} at ${era}`;
  const expected = EXPECTED.get(outcome.scenario);
  if (expected === undefined) {
    assert.deepEqual(problems, [], `${where}: ${outcome.failed.length} failed and ${outcome.warned.length} warned of ${outcome.checks} checks`);
    return;
  }
  assert.ok(problems.length > 0, `${where} passes now: remove it from conformance-expected-failures.yaml`);
  if (expected.length > 0) {
    const unexpected = problems.filter((problem) => !expected.some((check) => problem.startsWith(`${check}:`)));
    assert.deepEqual(unexpected, [], `${where}: checks failed beyond those expected`);
  }
}
