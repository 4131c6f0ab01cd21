import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const CLI = fileURLToPath(import.meta.resolve("@modelcontextprotocol/conformance/dist/index.js"));

export type Scenario = readonly [scenario: string, specVersion: string];

/** Transport scenarios that need no fixture tools, each with the protocol revision it runs at. */
export const TRANSPORT_SCENARIOS: readonly Scenario[] = [
  ["server-initialize", "2025-11-25"],
  ["server-session-lifecycle", "2025-11-25"],
  ["ping", "2025-11-25"],
  ["tools-list", "2025-11-25"],
  ["server-sse-multiple-streams", "2025-11-25"],
  ["dns-rebinding-protection", "2025-11-25"],
  ["tools-list", "2026-07-28"],
  ["server-sse-multiple-streams", "2026-07-28"],
  ["dns-rebinding-protection", "2026-07-28"],
  ["http-header-validation", "2026-07-28"],
];

/** Transport scenarios that call the suite's diagnostic tools: only the test server build has them. */
export const FIXTURE_SCENARIOS: readonly Scenario[] = [
  ["server-sse-polling", "2025-11-25"],
  ["server-stateless", "2026-07-28"],
];

/** Runs one scenario with the official CLI and fails on any failed check or warning. */
export async function assertScenarioPasses(url: string, [scenario, specVersion]: Scenario): Promise<void> {
  const args = [CLI, "server", "--url", url, "--scenario", scenario, "--spec-version", specVersion, "--timeout", "30000"];
  const { stdout } = await run(process.execPath, args, { timeout: 90_000, env: { ...process.env, NO_COLOR: "1" } }).catch(
    (error: { stdout?: string; stderr?: string; code?: number }) => assert.fail(`${scenario} failed (exit ${error.code}):\n${error.stdout}\n${error.stderr}`),
  );
  const summary = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(stdout);
  assert.ok(summary, `no summary in:\n${stdout}`);
  assert.equal(summary[3], "0", `failures:\n${stdout}`);
  assert.equal(summary[4], "0", `warnings:\n${stdout}`);
  assert.ok(Number(summary[2]) > 0, "the scenario ran checks");
}
