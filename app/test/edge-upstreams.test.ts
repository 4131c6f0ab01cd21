// The edge calling the tools it does not host: signed HTTP to the real Node service (fly) and Python runner (modal).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startEdgeWorker, type EdgeWorker } from "./support/edge-worker.ts";
import { replay, startRecordingProxy, type RecordingProxy } from "./support/recording-proxy.ts";
import { structured } from "./support/results.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "shared-upstream-secret-0123456789";

async function connect(url: URL) {
  const client = new Client({ name: "edge-upstreams", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

describe("edge → Fly and Modal over signed HTTP", () => {
  let node: ServerProcess;
  let modalUrl: string;
  let flyProxy: RecordingProxy;
  let modalProxy: RecordingProxy;
  let edge: EdgeWorker;

  before(async () => {
    node = await startServer({ env: { MCP_UPSTREAM_SECRET: SECRET } });
    modalUrl = /compute (http:\/\/[\d.:]+)/.exec(node.output())![1]!;
    flyProxy = await startRecordingProxy(node.origin);
    modalProxy = await startRecordingProxy(modalUrl);
    edge = await startEdgeWorker({ bindings: { FLY_ORIGIN: flyProxy.url, MODAL_URL: modalProxy.url, MCP_UPSTREAM_SECRET: SECRET } });
  });
  after(async () => {
    await edge.dispose();
    await flyProxy.close();
    await modalProxy.close();
    await node.stop();
    removeDataDir(node.dataDir);
  });

  test("kb_put and kb_search at the edge run in the Node service; csv_profile in the Python runner", async () => {
    const client = await connect(edge.mcpUrl);
    const put = structured(await client.callTool({ name: "kb_put", arguments: { key: "edge/1", title: "From the edge", body: "signed and delivered" } }));
    assert.equal(put.created, true);
    const { hits } = structured(await client.callTool({ name: "kb_search", arguments: { query: "delivered" } }));
    assert.deepEqual(hits.map((hit: { key: string }) => hit.key), ["edge/1"]);
    const profile = structured(await client.callTool({ name: "csv_profile", arguments: { csv: "x\n1\n3\n" } }));
    assert.equal(profile.column_profiles[0].mean, 2);
    await client.close();
    // What crossed the wire was signed.
    for (const recorded of [...flyProxy.requests, ...modalProxy.requests]) {
      assert.match(recorded.headers["x-mcp-signature"] ?? "", /^v1=[0-9a-f]{64}$/);
      assert.match(recorded.headers["x-mcp-timestamp"] ?? "", /^\d+$/);
      assert.match(recorded.headers["x-mcp-nonce"] ?? "", /^[0-9a-f]{32}$/);
    }
  });

  test("csv_cluster answers through the edge: k-means with PyTorch in the Python runner, on this machine's CPU", async () => {
    const client = await connect(edge.mcpUrl);
    const rows = ["height,weight,team"];
    for (let i = 0; i < 40; i++) rows.push(`${150 + (i % 5)},${50 + (i % 3)},a`, `${190 + (i % 5)},${95 + (i % 3)},b`);
    const result = await client.callTool({ name: "csv_cluster", arguments: { csv: rows.join("\n"), k: 2 } });
    assert.equal(result.isError, undefined, JSON.stringify(result.content));
    const clusters = structured(result);
    assert.equal(clusters.device, "cpu", "no CUDA here: the same code runs on the CPU");
    assert.deepEqual(clusters.columns, ["height", "weight"]);
    assert.deepEqual(clusters.clusters.map((c: { size: number }) => c.size), [40, 40]);
    assert.deepEqual(clusters.clusters.map((c: { centroid: { height: number } }) => Math.round(c.centroid.height)).sort(), [152, 192]);
    const bad = await client.callTool({ name: "csv_cluster", arguments: { csv: "name\nx\ny\n", k: 2 } });
    assert.equal(bad.isError, true);
    assert.match(JSON.stringify(bad.content), /no numeric column to cluster by/);
    await client.close();
    assert.ok(modalProxy.requests.some((recorded) => recorded.path.startsWith("/tools/csv_cluster")), "it crossed to the Python runner, signed");
  });

  test("a replay of a request the edge signed is refused by both receivers", async () => {
    const fly = flyProxy.requests.at(-1)!;
    const modal = modalProxy.requests.at(-1)!;
    const flyReplay = await replay(fly, node.origin);
    assert.equal(flyReplay.status, 401);
    assert.match((await flyReplay.json()).error, /replayed/);
    const modalReplay = await replay(modal, modalUrl);
    assert.equal(modalReplay.status, 401);
    assert.match((await modalReplay.json()).error, /replayed/);
  });

  test("a tampered body is refused: the signature covers it", async () => {
    const fly = flyProxy.requests.find((recorded) => recorded.path === "/tools/kb_put")!;
    const tampered = { ...fly, body: Buffer.from(fly.body.toString().replace("From the edge", "Forged")) };
    const response = await replay(tampered, node.origin);
    assert.equal(response.status, 401);
    assert.match((await response.json()).error, /signature mismatch/);
  });

  test("with the wrong key the call is a tool error naming the reason; the session goes on", async () => {
    const wrong = await startEdgeWorker({ bindings: { FLY_ORIGIN: node.origin, MODAL_URL: modalUrl, MCP_UPSTREAM_SECRET: "not-the-shared-secret-0123456789" } });
    try {
      const client = await connect(wrong.mcpUrl);
      const fly = await client.callTool({ name: "kb_search", arguments: { query: "x" } });
      assert.equal(fly.isError, true);
      assert.deepEqual(fly.content, [{ type: "text", text: "kb_search: signature mismatch" }]);
      const modal = await client.callTool({ name: "csv_profile", arguments: { csv: "a\n1\n" } });
      assert.equal(modal.isError, true);
      assert.deepEqual(modal.content, [{ type: "text", text: "csv_profile: signature mismatch" }]);
      assert.deepEqual((await client.callTool({ name: "echo", arguments: { text: "alive" } })).content, [{ type: "text", text: "alive" }]);
      await client.close();
    } finally {
      await wrong.dispose();
    }
  });

  test("a backend that never answers is cut off by the call timeout", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const slow = await startEdgeWorker({ bindings: { FLY_ORIGIN: origin, MCP_UPSTREAM_SECRET: SECRET, MCP_TOOL_TIMEOUT_MS: "500" } });
    try {
      const client = await connect(slow.mcpUrl);
      const result = await client.callTool({ name: "kb_search", arguments: { query: "x" } });
      assert.equal(result.isError, true);
      assert.match(JSON.stringify(result.content), /kb_search timed out after 500 ms|did not answer within 500 ms/);
      await client.close();
    } finally {
      await slow.dispose();
      silent.closeAllConnections();
      silent.close();
    }
  });
});
