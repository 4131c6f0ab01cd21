// Progress, log messages and cancellation crossing the platforms: a client of the edge (the Worker in workerd) calls
// csv_profile, run by the Python compute runner, and kb_runbook, rendered in the Node service; both report while they
// run, and the edge relays each report as it arrives. A cancelled call stops the remote work.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { spawnServing, type ServingProcess } from "../scripts/serving-process.ts";
import { startEdgeWorker, type EdgeWorker } from "./support/edge-worker.ts";
import { structured } from "./support/results.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "progress-upstream-secret-0123456789";
const RUNNER = fileURLToPath(new URL("../modal/local_server.py", import.meta.url));
/** 120,000 rows: a profile of a second or two, long enough to watch. */
const BIG_CSV = `n,parity,label\n${Array.from({ length: 120_000 }, (_, i) => `${i},${i % 2},row ${i % 97}`).join("\n")}\n`;

interface Report {
  at: number;
  progress: number;
  total?: number;
  message?: string;
}

async function legacyClient(url: URL) {
  const client = new Client({ name: "progress-legacy", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

async function modernClient(url: URL) {
  const client = new ModernClient({ name: "progress-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new ModernTransport(url));
  return client;
}

/** The reports of one call, and when its answer came. */
function watch() {
  const started = Date.now();
  const reports: Report[] = [];
  return { reports, onprogress: (progress: Omit<Report, "at">) => reports.push({ at: Date.now() - started, ...progress }), elapsed: () => Date.now() - started };
}

function assertLive(reports: Report[], answeredAt: number): void {
  assert.ok(reports.length >= 10, `only ${reports.length} progress reports`);
  assert.deepEqual(reports.map((report) => report.progress), [...reports.map((report) => report.progress)].sort((a, b) => a - b));
  assert.equal(reports.at(-1)!.progress, 100);
  assert.equal(reports[0]!.total, 100);
  // Live: the first report reached the client well before the answer did, not with it.
  assert.ok(answeredAt - reports[0]!.at > 200, `first report at ${reports[0]!.at} ms, answer at ${answeredAt} ms`);
}

describe("progress, logs and cancellation through the edge, from Python and from the Node service", () => {
  let node: ServerProcess;
  let runner: ServingProcess;
  let edge: EdgeWorker;

  before(async () => {
    [node, runner] = await Promise.all([
      startServer({ env: { MCP_UPSTREAM_SECRET: SECRET, MCP_START_COMPUTE: "0" } }),
      // A runner of the test's own, not quiet: its request log shows how a cancelled profile ended.
      spawnServing("python3", [RUNNER, "--host", "127.0.0.1", "--port", "0"], { env: { ...process.env, MCP_UPSTREAM_SECRET: SECRET }, timeoutMs: 15_000 }),
    ]);
    edge = await startEdgeWorker({ bindings: { FLY_ORIGIN: node.origin, MODAL_URL: runner.origin, MCP_UPSTREAM_SECRET: SECRET } });
  });
  after(async () => {
    await edge.dispose();
    await Promise.all([node.stop(), runner.stop()]);
    removeDataDir(node.dataDir);
  });

  test("a 2025-11-25 client sees csv_profile's progress live, from the Python runner through the edge, then its log line and result", async () => {
    const client = await legacyClient(edge.mcpUrl);
    await client.setLoggingLevel("info");
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params));
    const { reports, onprogress, elapsed } = watch();
    const result = await client.callTool({ name: "csv_profile", arguments: { csv: BIG_CSV } }, undefined, { onprogress });
    assertLive(reports, elapsed());
    assert.equal(structured(result).rows, 120_000);
    assert.deepEqual(logs, [{ level: "info", data: "profiled 120000 rows and 3 columns", logger: "csv_profile" }]);
    await client.close();
  });

  test("a 2026-07-28 client sees the same progress on its request's own stream, and no log line it did not ask for", async () => {
    const client = await modernClient(edge.mcpUrl);
    const logs: unknown[] = [];
    client.setNotificationHandler("notifications/message", (notification) => void logs.push(notification.params));
    const { reports, onprogress, elapsed } = watch();
    const result = await client.callTool({ name: "csv_profile", arguments: { csv: BIG_CSV } }, { onprogress });
    assertLive(reports, elapsed());
    assert.equal(structured(result).columns, 3);
    // Logging is deprecated in 2026-07-28: a request that names no log level gets no log message (SEP-2577).
    assert.deepEqual(logs, []);
    await client.close();
  });

  test("kb_runbook reports a step per document from the Node service while it renders", async () => {
    const client = await legacyClient(edge.mcpUrl);
    for (const n of [1, 2, 3]) {
      await client.callTool({ name: "kb_put", arguments: { key: `runbooks/failover-${n}`, title: `Failover step ${n}`, body: `Promote replica ${n} and check lag.` } });
    }
    const { reports, onprogress } = watch();
    const prompt = await client.getPrompt({ name: "kb_runbook", arguments: { topic: "failover replica" } }, { onprogress });
    assert.deepEqual(reports.map((report) => report.progress), [0, 1, 2, 3]);
    assert.deepEqual(prompt.messages.slice(1).map((message) => (message.content as { resource: { uri: string } }).resource.uri).sort(), [
      "kb://runbooks%2Ffailover-1",
      "kb://runbooks%2Ffailover-2",
      "kb://runbooks%2Ffailover-3",
    ]);
    await client.close();
  });

  for (const era of ["2025-11-25", "2026-07-28"] as const) {
    test(`a cancelled call (${era}) stops the profile in the Python runner, and the client goes on`, async () => {
      const client = era === "2025-11-25" ? await legacyClient(edge.mcpUrl) : await modernClient(edge.mcpUrl);
      const before = runner.output().length;
      const cancel = new AbortController();
      let reported = 0;
      // Cancel once the work is visibly under way in Python.
      const options = { signal: cancel.signal, onprogress: () => void (++reported === 3 && cancel.abort("enough")) };
      const params = { name: "csv_profile", arguments: { csv: BIG_CSV } };
      const call = client instanceof Client ? client.callTool(params, undefined, options) : client.callTool(params, options);
      await assert.rejects(call);
      // 2025-11-25: notifications/cancelled; 2026-07-28: the closed stream. Either way the edge closes the signed call.
      const deadline = Date.now() + 10_000;
      while (!/POST \/tools\/csv_profile 200 \d+ms, caller left/.test(runner.output().slice(before)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(runner.output().slice(before), /POST \/tools\/csv_profile 200 \d+ms, caller left/);
      const echo = await client.callTool({ name: "echo", arguments: { text: "still here" } });
      assert.deepEqual(echo.content, [{ type: "text", text: "still here" }]);
      await client.close();
    });
  }
});
