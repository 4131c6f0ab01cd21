// A crash (SIGKILL) must not end a 2025-11-25 session: it resumes from SQLite.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { removeDataDir, startServer } from "./support/server-process.ts";

test("after SIGKILL and a restart, the same session id goes on working with its scratchpad intact", async () => {
  const first = await startServer({ env: { MCP_START_COMPUTE: "0" } });
  const client = new Client({ name: "restart-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(first.mcpUrl);
  await client.connect(transport);
  const sessionId = transport.sessionId!;
  for (const text of ["one", "two", "three"]) await client.callTool({ name: "note_add", arguments: { text } });
  await first.kill();

  // Same port and database, new process: the client neither knows nor cares.
  const port = Number(new URL(first.origin).port);
  const second = await startServer({ dataDir: first.dataDir, port, env: { MCP_START_COMPUTE: "0" } });
  try {
    const listed = await client.callTool({ name: "note_list", arguments: {} });
    assert.equal(transport.sessionId, sessionId);
    const notes = (listed.structuredContent as { notes: { text: string }[] }).notes.map((note) => note.text);
    assert.deepEqual(notes, ["one", "two", "three"]);
    const added = await client.callTool({ name: "note_add", arguments: { text: "four" } });
    assert.equal(added.isError, undefined);

    // A fresh client resuming by id alone (as an agent restored from disk would) is served too.
    const resumed = new StreamableHTTPClientTransport(second.mcpUrl, { sessionId });
    const other = new Client({ name: "restart-test-2", version: "1.0.0" });
    // connect() with a session id skips initialize, like a client that persisted its session.
    await other.connect(resumed);
    const again = await other.callTool({ name: "note_list", arguments: {} });
    assert.equal((again.structuredContent as { notes: unknown[] }).notes.length, 4);
    await other.close();
    await client.close();
  } finally {
    await second.stop();
    removeDataDir(first.dataDir);
  }
});
