// `npm run dev:edge` for real (wrangler dev, workerd, offline) and the conformance suite's transport scenarios against it.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { runScript } from "../../test/fixtures/commands.ts";
import { assertScenarioPasses, TRANSPORT_SCENARIOS } from "./support/conformance.ts";

const DEV_EDGE = fileURLToPath(new URL("../scripts/dev-edge.ts", import.meta.url));

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

  test("each API path reports the release and color serving it, which verify --expect-release checks", async () => {
    const health = await (await fetch(new URL("/v2/healthz", url))).json();
    assert.deepEqual([health.release, health.color], ["local", "local"]);
    const served = await runScript("stacks/commands/verify.ts", ["--url", new URL("/v1/mcp", url).href, "--expect-release", "local"]);
    assert.equal(served.code, 0, served.stdout + served.stderr);
    assert.match(served.stdout, /serves release local \(local\)/);
    const other = await runScript("stacks/commands/verify.ts", ["--url", new URL("/v1/mcp", url).href, "--expect-release", "r-0123456789ab"]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /is served by release local \(local\), not r-0123456789ab; a version override applies only to a version in the current deployment/);
  });

  // The shipped edge build has no fixture tools, so the fixture scenarios run on Node only (conformance.test.ts).
  for (const scenario of TRANSPORT_SCENARIOS) {
    test(`${scenario[0]} @ ${scenario[1]}`, () => assertScenarioPasses(url, scenario));
  }
});
