// The official conformance suite's transport scenarios, for both protocol eras, against a started server.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const run = promisify(execFile);
const CLI = fileURLToPath(import.meta.resolve("@modelcontextprotocol/conformance/dist/index.js"));
const ENTRY = fileURLToPath(new URL("./support/test-server.ts", import.meta.url));

/** Transport scenarios, each with the protocol revisions it applies to. */
const SCENARIOS: ReadonlyArray<[scenario: string, specVersion: string]> = [
  ["server-initialize", "2025-11-25"],
  ["server-session-lifecycle", "2025-11-25"],
  ["ping", "2025-11-25"],
  ["tools-list", "2025-11-25"],
  ["server-sse-multiple-streams", "2025-11-25"],
  ["dns-rebinding-protection", "2025-11-25"],
  ["server-sse-polling", "2025-11-25"],
  ["tools-list", "2026-07-28"],
  ["server-sse-multiple-streams", "2026-07-28"],
  ["dns-rebinding-protection", "2026-07-28"],
  ["http-header-validation", "2026-07-28"],
  ["server-stateless", "2026-07-28"],
];

let server: ServerProcess;

describe("conformance suite: transport scenarios", () => {
  before(async () => {
    server = await startServer({ entry: ENTRY, env: { MCP_START_COMPUTE: "0" } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  for (const [scenario, specVersion] of SCENARIOS) {
    test(`${scenario} @ ${specVersion}`, async () => {
      const args = [CLI, "server", "--url", server.mcpUrl.href, "--scenario", scenario, "--spec-version", specVersion, "--timeout", "30000"];
      const { stdout } = await run(process.execPath, args, { timeout: 90_000, env: { ...process.env, NO_COLOR: "1" } }).catch(
        (error: { stdout?: string; stderr?: string; code?: number }) => {
          assert.fail(`${scenario} failed (exit ${error.code}):\n${error.stdout}\n${error.stderr}`);
        },
      );
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(stdout);
      assert.ok(summary, `no summary in:\n${stdout}`);
      assert.equal(summary[3], "0", `failures:\n${stdout}`);
      assert.equal(summary[4], "0", `warnings:\n${stdout}`);
      assert.ok(Number(summary[2]) > 0, "the scenario ran checks");
    });
  }
});
