// One trace across the three platforms, run locally: the Worker (workerd), the Node service (Fly) and the Python runner (Modal).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startLocalTelemetry, type LocalTelemetry } from "../scripts/telemetry/local-telemetry.ts";
import type { CollectedSpan } from "../scripts/telemetry/trace-collector.ts";
import { startEdgeWorker, type EdgeWorker } from "./support/edge-worker.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "shared-upstream-secret-0123456789";
const randomHex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/** The client's own span: what an agent's MCP client span would be. */
function clientSpan() {
  const traceId = randomHex(16);
  const spanId = randomHex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe("trace context from the client, through the Worker, into the signed calls to Fly and Modal", () => {
  let telemetry: LocalTelemetry;
  let node: ServerProcess;
  let edge: EdgeWorker;

  async function spansOf(traceId: string, count: number): Promise<CollectedSpan[]> {
    for (let i = 0; i < 100 && telemetry.traces.trace(traceId).length < count; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    return telemetry.traces.trace(traceId);
  }

  before(async () => {
    telemetry = await startLocalTelemetry();
    node = await startServer({ env: { MCP_UPSTREAM_SECRET: SECRET, OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.url, MCP_RELEASE: "r-8c2e5a1f9d07" } });
    const modalUrl = /compute (http:\/\/[\d.:]+)/.exec(node.output())![1]!;
    edge = await startEdgeWorker({
      bindings: {
        FLY_ORIGIN: node.origin,
        MODAL_URL: modalUrl,
        MCP_UPSTREAM_SECRET: SECRET,
        OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.url,
        MCP_CALLS_URL: telemetry.callsUrl,
        RELEASE: "r-8c2e5a1f9d07",
        COLOR: "green",
      },
    });
  });
  after(async () => {
    await edge.dispose();
    await node.stop();
    await telemetry.close();
    removeDataDir(node.dataDir);
  });

  test("2025-11-25 session: kb_search and csv_profile are one trace spanning the Worker, Fly and the Python runner", async () => {
    const client = new Client({ name: "trace-legacy", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(edge.mcpUrl);
    await client.connect(transport);
    const root = clientSpan();
    await client.callTool({ name: "kb_search", arguments: { query: "anything" }, _meta: { traceparent: root.traceparent } });
    await client.callTool({ name: "csv_profile", arguments: { csv: "x\n1\n2\n" }, _meta: { traceparent: root.traceparent } });
    await client.close();

    const spans = await spansOf(root.traceId, 6);
    const by = (service: string, kind: string, tool: string) => spans.find((s) => s.service === service && s.kind === kind && s.attributes["gen_ai.tool.name"] === tool);
    for (const [tool, backend] of [["kb_search", "mcp-hosting-fly"], ["csv_profile", "mcp-hosting-compute"]] as const) {
      const server = by("mcp-hosting-edge", "server", tool);
      const call = by("mcp-hosting-edge", "client", tool);
      const remote = by(backend, "server", tool);
      assert.ok(server && call && remote, `${tool}: edge server, edge client and ${backend} spans in one trace:\n${telemetry.traces.render(root.traceId)}`);
      assert.equal(server.parentSpanId, root.spanId, "the Worker's span is a child of the client's");
      assert.equal(call.parentSpanId, server.spanId);
      assert.equal(remote.parentSpanId, call.spanId, `${backend} continues the signed call's span`);
      assert.equal(server.name, `tools/call ${tool}`);
      assert.equal(remote.name, `tools/call ${tool}`);
      assert.equal(remote.attributes["mcp_hosting.color"], "green", "the edge's color reaches the backend in the call's baggage");
      assert.equal(remote.attributes["mcp_hosting.api_version"], "v1");
    }
    const server = by("mcp-hosting-edge", "server", "kb_search")!;
    assert.equal(server.attributes["mcp.method.name"], "tools/call");
    assert.equal(server.attributes["gen_ai.operation.name"], "execute_tool");
    assert.equal(server.attributes["mcp.protocol.version"], "2025-11-25");
    assert.equal(server.attributes["mcp.session.id"], transport.sessionId);
    assert.equal(server.attributes["jsonrpc.request.id"], "1");
    assert.equal(server.attributes["mcp_hosting.release"], "r-8c2e5a1f9d07");
    assert.equal(server.attributes["gen_ai.tool.call.arguments"], undefined, "arguments are not recorded unless the stack opts in");
    // Fly answers with the handlers of the release the edge color named (a release host runs one process per release).
    assert.equal(by("mcp-hosting-fly", "server", "kb_search")!.attributes["mcp_hosting.release"], "r-8c2e5a1f9d07");
  });

  test("2026-07-28: the context comes from _meta, and the span has no session id", async () => {
    const client = new ClientV2({ name: "trace-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    await client.connect(new TransportV2(edge.mcpUrl));
    const root = clientSpan();
    await client.callTool({ name: "kb_search", arguments: { query: "anything" }, _meta: { traceparent: root.traceparent } });
    await client.close();
    const spans = await spansOf(root.traceId, 3);
    const server = spans.find((s) => s.service === "mcp-hosting-edge" && s.kind === "server")!;
    assert.equal(server.parentSpanId, root.spanId);
    assert.equal(server.attributes["mcp.protocol.version"], "2026-07-28");
    assert.equal(server.attributes["mcp.session.id"], undefined);
    assert.ok(spans.some((s) => s.service === "mcp-hosting-fly"));
  });

  test("without _meta the traceparent header is the parent", async () => {
    const root = clientSpan();
    const client = new Client({ name: "trace-header", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(edge.mcpUrl, { requestInit: { headers: { traceparent: root.traceparent } } }));
    await client.callTool({ name: "echo", arguments: { text: "hi" } });
    await client.close();
    const [span] = await spansOf(root.traceId, 1);
    assert.equal(span?.parentSpanId, root.spanId);
  });

  test("every call at the edge is one data point, captured by the local runtime: API version, color, release, tool, status, duration", async () => {
    const { data } = telemetry.analytics.query(
      "SELECT blob1 AS api_version, blob2 AS color, blob3 AS release, blob4 AS tool, blob5 AS status, SUM(_sample_interval) AS calls FROM mcp_calls GROUP BY api_version, color, release, tool, status FORMAT JSON",
    );
    const row = (tool: string) => data.find((r) => r.tool === tool);
    assert.deepEqual(row("csv_profile"), { api_version: "v1", color: "green", release: "r-8c2e5a1f9d07", tool: "csv_profile", status: "ok", calls: "1" });
    assert.equal(row("kb_search")?.calls, "2");
    const [latency] = telemetry.analytics.query("SELECT quantileExactWeighted(0.5)(double1, _sample_interval) AS ms FROM mcp_calls WHERE blob4 = 'kb_search' FORMAT JSON").data;
    assert.ok(Number(latency?.ms) > 0, "the duration is in double1, in ms");
  });

  test("a call the backend streams back is traced to its end, and a failure in the stream is the backend span's tool_error", async () => {
    const client = new Client({ name: "trace-stream", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(edge.mcpUrl));
    const failing = clientSpan();
    const failed = await client.callTool({ name: "csv_profile", arguments: { csv: "   " }, _meta: { traceparent: failing.traceparent } });
    assert.equal(failed.isError, true);
    const working = clientSpan();
    await client.callTool({ name: "kb_search", arguments: { query: "streamed" }, _meta: { traceparent: working.traceparent } });
    await client.close();

    const [compute] = (await spansOf(failing.traceId, 3)).filter((span) => span.service === "mcp-hosting-compute");
    assert.equal(compute?.attributes["error.type"], "tool_error", `the terminal error line decides:\n${telemetry.traces.render(failing.traceId)}`);
    const spans = await spansOf(working.traceId, 3);
    const fly = spans.find((span) => span.service === "mcp-hosting-fly");
    const call = spans.find((span) => span.service === "mcp-hosting-edge" && span.kind === "client");
    assert.ok(fly && call, telemetry.traces.render(working.traceId));
    assert.equal(fly.attributes["error.type"], undefined);
    // The Fly span covers the handler, so it cannot end before the edge's call began nor after it ended.
    assert.ok(fly.startNs >= call.startNs - 5_000_000n && fly.endNs <= call.endNs + 5_000_000n, "Fly's span sits inside the edge's call");
  });
});

test("at the edge too, a collector that never answers slows no call: the export runs after the response, with a deadline", async () => {
  const pending: unknown[] = [];
  const silent = createServer((req) => void pending.push(req));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const edge = await startEdgeWorker({ bindings: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` } });
  try {
    const client = new Client({ name: "trace-silent-collector", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(edge.mcpUrl));
    for (let i = 0; i < 3; i += 1) {
      const result = await client.callTool({ name: "echo", arguments: { text: `call ${i}` } });
      assert.deepEqual(result.content, [{ type: "text", text: `call ${i}` }]);
    }
    await client.close();
    assert.ok(pending.length > 0, "the Worker did try to export, and the calls were answered while it waited");
  } finally {
    await edge.dispose();
    silent.closeAllConnections();
    silent.close();
  }
});

