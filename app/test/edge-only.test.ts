// The Fly service behind an edge that issues its own tokens (auth.mode: builtin): it takes MCP only as the
// edge's signed calls, and sends a client that reached it directly to the edge's endpoint.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { callUpstreamTool } from "../src/upstream/client.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "edge-to-fly-secret-0123456789abcdef";
const EDGE = "https://mcp.example.com";
let server: ServerProcess;

const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "direct", version: "1" } } };

describe("a Fly service in front of which the edge is the authorization server", () => {
  before(async () => {
    // As the stack deploys it: the edge's origin, and a bearer token no client has (for releases that predate the origin).
    server = await startServer({ env: { MCP_EDGE_ORIGIN: EDGE, MCP_AUTH_TOKEN: `edge-only=${SECRET}`, MCP_UPSTREAM_SECRET: SECRET, MCP_API_VERSIONS: "v1,v2", MCP_START_COMPUTE: "0" } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("a direct MCP request to each version is refused with 403 and a JSON-RPC error naming that version's edge URL", async () => {
    for (const version of ["v1", "v2"]) {
      const response = await fetch(new URL(`/${version}/mcp`, server.origin), {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify(initialize),
      });
      assert.equal(response.status, 403);
      const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string; data: { url: string } } };
      assert.equal(body.jsonrpc, "2.0");
      assert.equal(body.error.data.url, `${EDGE}/${version}/mcp`);
      assert.match(body.error.message, new RegExp(`connect to ${EDGE}/${version}/mcp`));
    }
    const stream = await fetch(new URL("/v1/mcp", server.origin), { headers: { accept: "text/event-stream" } });
    assert.equal(stream.status, 403, "a GET stream too");
    await stream.body?.cancel();
  });

  test("an MCP client that connects directly fails with the edge's URL in the error", async () => {
    const client = new Client({ name: "direct", version: "1" });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL("/v1/mcp", server.origin))), new RegExp(`${EDGE}/v1/mcp`));
    await client.close();
  });

  test("the edge's signed calls, the health check and the metrics keep working", async () => {
    const echoed = await callUpstreamTool({ url: server.origin, secret: SECRET }, "echo", { text: "through the edge" }, { timeoutMs: 5000 });
    assert.equal(echoed, "through the edge");
    const health = await fetch(new URL("/healthz", server.origin));
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    const metrics = await fetch(new URL("/metrics", server.origin));
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /mcp_server_operation_duration|# (HELP|TYPE)/);
  });
});
