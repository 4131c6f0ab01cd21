// `verify --watch` against a local run, end to end: real calls through two Worker colors, their telemetry kept by the
// local store (the Workers' data points, the Node service's /metrics scraped), and the canary judged by it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { runScript } from "../../test/fixtures/commands.ts";
import { startLocalTelemetry, type LocalTelemetry } from "../scripts/telemetry/local-telemetry.ts";
import { startEdgeWorker, type EdgeWorker } from "./support/edge-worker.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "local-verify-upstream-secret-0123456789";

/** An agent's session: the same mix of tools on every color, most of them reaching Fly or the Python runner. */
async function agentCalls(url: URL, rounds: number): Promise<void> {
  const client = new Client({ name: "agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url));
  for (let i = 0; i < rounds; i += 1) {
    await client.callTool({ name: "echo", arguments: { text: "hi" } });
    await client.callTool({ name: "kb_search", arguments: { query: "runbook" } });
    await client.callTool({ name: "kb_put", arguments: { key: `runbooks/${i}`, title: "Runbook", body: "steps" } });
    await client.callTool({ name: "csv_profile", arguments: { csv: "x\n1\n2\n" } });
  }
  await client.close();
}

describe("verify --watch --telemetry against the local runtime", () => {
  let telemetry: LocalTelemetry;
  let node: ServerProcess;
  const workers: Record<string, EdgeWorker> = {};

  before(async () => {
    telemetry = await startLocalTelemetry();
    node = await startServer({ env: { MCP_UPSTREAM_SECRET: SECRET, OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.url } });
    const modalUrl = /compute (http:\/\/[\d.:]+)/.exec(node.output())![1]!;
    const worker = (color: string, secret: string) =>
      startEdgeWorker({ bindings: { FLY_ORIGIN: node.origin, MODAL_URL: modalUrl, MCP_UPSTREAM_SECRET: secret, MCP_CALLS_URL: telemetry.callsUrl, COLOR: color, RATE_LIMIT_PER_MINUTE: "100000" } });
    workers.blue = await worker("blue", SECRET);
    workers.green = await worker("green", SECRET);
    // A canary whose release signs with the wrong key: every call it makes to Fly or Modal fails.
    workers.teal = await worker("teal", "not-the-shared-upstream-secret-0123");
    telemetry.scrape(`${node.origin}/metrics`, { app: "local", region: "local", instance: "node" }, 300);
    await Promise.all(Object.values(workers).map((w) => agentCalls(w.mcpUrl, 15)));
  });
  after(async () => {
    await Promise.all(Object.values(workers).map((w) => w.dispose()));
    await node.stop();
    await telemetry.close();
    removeDataDir(node.dataDir);
  });

  const verify = (canary: string) =>
    runScript("stacks/commands/verify.ts", [
      "--url", workers.blue!.mcpUrl.href, "--watch", "1200ms", "--interval", "300ms",
      "--telemetry", telemetry.url, "--live", "blue", "--canary", canary, "--min-calls", "25",
    ]);

  test("a healthy canary passes, judged by the real traffic of both colors at the edge and on Fly", async () => {
    const run = await verify("green");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /real traffic: green judged against blue over the last 300 s, from edge \(Analytics Engine\), Fly \(Prometheus\); each color needs 25 calls/);
    assert.match(run.stdout, /^edge \(Analytics Engine\): healthy \(error rate: green 0\.00% \(0\/60\) vs blue 0\.00% \(0\/\d+\)/m);
    assert.match(run.stdout, /^Fly \(Prometheus\): healthy \(error rate: green 0\.00% \(0\/30\) vs blue/m);
    assert.match(run.stdout, /verify: passed \(real traffic and scripted calls\)/);
  });

  test("a canary that fails its signed calls is a breach in real traffic, though the scripted calls against the live color pass", async () => {
    const run = await verify("teal");
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /session 1: 9\/9 ok/, "the scripted calls went to blue and passed");
    assert.match(run.stderr, /verify: breach in real traffic: edge \(Analytics Engine\): error rate teal 75\.00% \(45\/60\) vs blue 0\.00% \(0\/\d+\)/);
  });
});
