// The 2025-11-25 era, driven by the v1 SDK client that most deployed agents use.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { structured } from "./support/results.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

let server: ServerProcess;

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: "legacy-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(server.mcpUrl);
  await client.connect(transport);
  return { client, transport };
}


describe("2025-11-25 sessions with the v1 SDK client", () => {
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("initialize opens a session at protocol 2025-11-25 and lists every tool with a schema", async () => {
    const { client, transport } = await connect();
    assert.match(transport.sessionId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(transport.protocolVersion, "2025-11-25");
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ["csv_cluster", "csv_profile", "echo", "kb_put", "kb_search", "note_add", "note_list"]);
    for (const tool of tools) {
      assert.ok(tool.description && tool.description.length > 40, `${tool.name} has a description for a model`);
      assert.equal(tool.inputSchema.type, "object");
    }
    await client.close();
  });

  test("echo returns its input", async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: "echo", arguments: { text: "héllo ✓" } });
    assert.deepEqual(result.content, [{ type: "text", text: "héllo ✓" }]);
    await client.close();
  });

  test("the scratchpad belongs to its session", async () => {
    const first = await connect();
    const second = await connect();
    await first.client.callTool({ name: "note_add", arguments: { text: "first session's note" } });
    await first.client.callTool({ name: "note_add", arguments: { text: "another" } });
    const mine = structured(await first.client.callTool({ name: "note_list", arguments: {} }));
    assert.deepEqual(mine.notes.map((note: { text: string }) => note.text), ["first session's note", "another"]);
    const theirs = structured(await second.client.callTool({ name: "note_list", arguments: {} }));
    assert.deepEqual(theirs.notes, []);
    await first.client.close();
    await second.client.close();
  });

  test("the knowledge base is shared by sessions and ranks the best match first", async () => {
    const writer = await connect();
    const reader = await connect();
    await writer.client.callTool({ name: "kb_put", arguments: { key: "ops/restore", title: "Restore drill", body: "How to restore the SQLite database from the Litestream backup." } });
    await writer.client.callTool({ name: "kb_put", arguments: { key: "ops/deploy", title: "Deploying", body: "Run pulumi up; a restore is rarely needed." } });
    await writer.client.callTool({ name: "kb_put", arguments: { key: "misc/lunch", title: "Lunch", body: "Tacos on Friday." } });
    const { hits } = structured(await reader.client.callTool({ name: "kb_search", arguments: { query: "restore backup" } }));
    assert.deepEqual(hits.map((hit: { key: string }) => hit.key), ["ops/restore", "ops/deploy"]);
    assert.match(hits[0].snippet, /Litestream/);
    const replaced = structured(await writer.client.callTool({ name: "kb_put", arguments: { key: "misc/lunch", title: "Lunch", body: "Ramen on Friday." } }));
    assert.equal(replaced.created, false);
    await writer.client.close();
    await reader.client.close();
  });

  test("csv_profile is computed by the Python runner", async () => {
    const { client } = await connect();
    const csv = "city,temp,visited\nOslo,4.5,true\nLima,19,false\nCairo,,true\nPerth,25.5,NA\n";
    const result = structured(await client.callTool({ name: "csv_profile", arguments: { csv } }));
    assert.equal(result.rows, 4);
    const temp = result.column_profiles.find((column: { name: string }) => column.name === "temp");
    assert.equal(temp.type, "number");
    assert.equal(temp.nulls, 1);
    assert.equal(temp.min, 4.5);
    assert.equal(temp.max, 25.5);
    assert.equal(temp.quantiles.p50, 19);
    await client.close();
  });

  test("arguments that break a tool's schema give an error result naming the field", async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: "note_add", arguments: { text: 42 } });
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /text/);
    await client.close();
  });

  test("a reconnecting GET stream replaces the stale one instead of getting 409", async () => {
    const { client, transport } = await connect();
    const headers = { accept: "text/event-stream", "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-11-25" };
    const first = await fetch(server.mcpUrl, { headers });
    const second = await fetch(server.mcpUrl, { headers });
    assert.deepEqual([first.status, second.status], [200, 200]);
    await first.body?.cancel();
    await second.body?.cancel();
    await client.close();
  });

  test("a deleted session is gone: its id then gets 404", async () => {
    const { client, transport } = await connect();
    const sessionId = transport.sessionId!;
    await client.callTool({ name: "note_add", arguments: { text: "soon gone" } });
    await transport.terminateSession();
    const response = await fetch(server.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    });
    assert.equal(response.status, 404);
    assert.match((await response.json()).error.message, /Session not found/);
    await client.close();
  });
});
