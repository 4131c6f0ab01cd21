// Telemetry of the Node runtime as an operator meets it: /metrics, and what happens when the collector or the client misbehave.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

/** A collector that takes requests and never answers them. */
async function silentCollector() {
  const pending: IncomingMessage[] = [];
  const server = createServer((req) => void pending.push(req));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pending,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(check(), what);
}

describe("the Node server's telemetry", () => {
  let server: ServerProcess;
  let collector: Awaited<ReturnType<typeof silentCollector>>;
  let client: Client;

  before(async () => {
    collector = await silentCollector();
    server = await startServer({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_TIMEOUT: "500" } });
    client = new Client({ name: "telemetry-node", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
  });
  after(async () => {
    await client.close();
    await server.stop();
    await collector.close();
    removeDataDir(server.dataDir);
  });

  test("after a few calls /metrics shows mcp_server_operation_duration_seconds per tool and outcome", async () => {
    for (let i = 0; i < 3; i += 1) await client.callTool({ name: "echo", arguments: { text: `call ${i}` } });
    // A row wider than its header is the profiler's own error: an error result, not a protocol error.
    const failed = await client.callTool({ name: "csv_profile", arguments: { csv: "a,b\n1,2,3\n" } });
    assert.equal(failed.isError, true);
    const metrics = await (await fetch(new URL("/metrics", server.origin))).text();
    assert.match(metrics, /^# TYPE mcp_server_operation_duration_seconds histogram$/m);
    const count = (tool: string, error?: string) =>
      metrics.split("\n").find((line) => line.startsWith("mcp_server_operation_duration_seconds_count{") && line.includes(`gen_ai_tool_name="${tool}"`) && (error ? line.includes(`error_type="${error}"`) : !line.includes("error_type=")));
    assert.match(count("echo") ?? "", /mcp_method_name="tools\/call".* 3$/);
    assert.match(count("csv_profile", "tool_error") ?? "", / 1$/, "a call whose result has isError is recorded with error.type tool_error");
    assert.doesNotMatch(metrics, /jsonrpc_request_id|mcp_session_id/, "per-call values stay off the metric: one series per call would not scale");
  });

  test("a collector that never answers slows no call, and the log says spans are being dropped", async () => {
    await until(() => collector.pending.length > 0, "the server tried to export its spans");
    // Calls go on while the export hangs: they never wait for it.
    const during = await client.callTool({ name: "echo", arguments: { text: "while the collector hangs" } });
    assert.deepEqual(during.content, [{ type: "text", text: "while the collector hangs" }]);
    assert.ok(collector.pending.length > 0);
    await until(() => /cannot export spans to http:\/\/127\.0\.0\.1:\d+ \(.*\); spans are dropped until it answers, tool calls go on/.test(server.output()), "the failure is logged");
    assert.equal(server.output().match(/cannot export spans/g)?.length, 1, "once, not once per batch");
  });

  test("a malformed traceparent is ignored: the call runs, and the log says so once", async () => {
    for (const traceparent of ["not-a-traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"]) {
      const result = await client.callTool({ name: "echo", arguments: { text: "still served" }, _meta: { traceparent } });
      assert.deepEqual(result.content, [{ type: "text", text: "still served" }]);
    }
    const lines = server.output().match(/ignored a malformed W3C trace context in params\._meta\.traceparent/g) ?? [];
    assert.equal(lines.length, 1);
  });
});

test("with MCP_METRICS_PORT, /metrics is served on that port only, as on Fly, where no service exposes it", async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const server = await startServer({ env: { MCP_METRICS_PORT: String(port), MCP_START_COMPUTE: "0" } });
  try {
    assert.equal((await fetch(new URL("/metrics", server.origin))).status, 404, "not on the public port");
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.match(server.output(), new RegExp(`metrics: http://127\\.0\\.0\\.1:${port}/metrics`));
  } finally {
    await server.stop();
    removeDataDir(server.dataDir);
  }
});

