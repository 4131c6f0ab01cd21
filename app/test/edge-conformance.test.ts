// `npm run dev:edge` for real (wrangler dev, workerd, offline) and the conformance suite's transport scenarios against it.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";

const run = promisify(execFile);
const CLI = fileURLToPath(import.meta.resolve("@modelcontextprotocol/conformance/dist/index.js"));
const DEV_EDGE = fileURLToPath(new URL("../scripts/dev-edge.ts", import.meta.url));

/** Scenarios that need no fixture tools (the shipped build has none); see conformance.test.ts for the rest on Node. */
const SCENARIOS: ReadonlyArray<[scenario: string, specVersion: string]> = [
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("conformance suite against dev:edge", () => {
  let child: ChildProcess;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), "dev-edge-"));

  before(async () => {
    const [port, nodePort] = await Promise.all([freePort(), freePort()]);
    child = spawn(process.execPath, [DEV_EDGE, "--port", String(port), "--node-port", String(nodePort), "--state", join(dataDir, "edge-state")], {
      env: { ...process.env, MCP_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev:edge did not start in 60 s:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /edge listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`dev:edge exited with ${code}:\n${output}`)));
    });
  });
  after(async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid!, "SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("dev:edge serves the same tools as npm start, through workerd", async () => {
    const health = await (await fetch(new URL("/healthz", url))).json();
    assert.deepEqual(health.apiVersions, ["v1", "v2"]);
  });

  for (const [scenario, specVersion] of SCENARIOS) {
    test(`${scenario} @ ${specVersion}`, async () => {
      const args = [CLI, "server", "--url", url, "--scenario", scenario, "--spec-version", specVersion, "--timeout", "30000"];
      const { stdout } = await run(process.execPath, args, { timeout: 90_000, env: { ...process.env, NO_COLOR: "1" } }).catch(
        (error: { stdout?: string; stderr?: string; code?: number }) => assert.fail(`${scenario} failed (exit ${error.code}):\n${error.stdout}\n${error.stderr}`),
      );
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(stdout);
      assert.ok(summary, `no summary in:\n${stdout}`);
      assert.equal(summary[3], "0", `failures:\n${stdout}`);
      assert.equal(summary[4], "0", `warnings:\n${stdout}`);
    });
  }
});
