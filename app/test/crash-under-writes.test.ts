// SIGKILL in the middle of a load of writes: after a restart every acknowledged write is there
// and every session goes on under its own Mcp-Session-Id.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { structured } from "./support/results.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SESSIONS = 16;
const KB_WRITERS = 4;
/** The kill comes once this many writes were acknowledged, with more in flight. */
const KILL_AFTER_ACKS = 300;
const ENV = { MCP_START_COMPUTE: "0" };

interface Writer {
  client: Client;
  transport: StreamableHTTPClientTransport;
  sessionId: string;
  /** Notes whose note_add was answered with a result. */
  acknowledged: string[];
}

async function connect(server: ServerProcess): Promise<Writer> {
  const client = new Client({ name: "crash-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(server.mcpUrl);
  await client.connect(transport);
  return { client, transport, sessionId: transport.sessionId!, acknowledged: [] };
}

/** Calls `write(n)` back to back until one fails (the server died); counts each success into `acks`. */
async function writeUntilFailure(write: (n: number) => Promise<void>, acks: { count: number }): Promise<void> {
  for (let n = 0; n < 10_000; n++) {
    try {
      await write(n);
    } catch {
      return;
    }
    acks.count++;
  }
}

test("after SIGKILL under load, every acknowledged note and kb entry is there and every session resumes", async (t) => {
  const first = await startServer({ env: ENV });
  const writers = await Promise.all(Array.from({ length: SESSIONS }, () => connect(first)));
  const kbAcknowledged: string[] = [];
  const acks = { count: 0 };
  let killed: Promise<void> | undefined;
  const killWhenDue = () => {
    if (acks.count >= KILL_AFTER_ACKS) killed ??= first.kill();
  };

  const noteLoads = writers.map((writer, index) =>
    writeUntilFailure(async (n) => {
      const text = `session ${index} note ${n}`;
      const result = await writer.client.callTool({ name: "note_add", arguments: { text } });
      assert.equal(result.isError, undefined);
      writer.acknowledged.push(text);
      killWhenDue();
    }, acks),
  );
  const kbClient = writers[0]!.client;
  const kbLoads = Array.from({ length: KB_WRITERS }, (_, writer) =>
    writeUntilFailure(async (n) => {
      // A word of its own per entry, so a search finds exactly it.
      const word = `crashw${writer}x${n}q`;
      const key = `crash/${writer}/${n}`;
      const result = await kbClient.callTool({ name: "kb_put", arguments: { key, title: `entry ${word}`, body: `written under load, ${word}` } });
      assert.equal(result.isError, undefined);
      kbAcknowledged.push(key);
      killWhenDue();
    }, acks),
  );
  await Promise.all([...noteLoads, ...kbLoads]);
  assert.ok(killed, `the load ended before ${KILL_AFTER_ACKS} acknowledged writes:\n${first.output()}`);
  await killed;
  assert.equal(first.child.signalCode, "SIGKILL");
  const notes = writers.reduce((sum, writer) => sum + writer.acknowledged.length, 0);
  t.diagnostic(`killed after ${notes} acknowledged notes in ${SESSIONS} sessions and ${kbAcknowledged.length} kb entries`);

  const port = Number(new URL(first.origin).port);
  const second = await startServer({ dataDir: first.dataDir, port, env: ENV });
  try {
    for (const writer of writers) {
      const listed = structured(await writer.client.callTool({ name: "note_list", arguments: { limit: 1000 } }));
      assert.equal(writer.transport.sessionId, writer.sessionId, "the session kept its id");
      const present = new Set(listed.notes.map((note: { text: string }) => note.text));
      const missing = writer.acknowledged.filter((text) => !present.has(text));
      assert.deepEqual(missing, [], `acknowledged notes lost in session ${writer.sessionId}`);
      // The session goes on: it takes a new write after the restart.
      assert.equal((await writer.client.callTool({ name: "note_add", arguments: { text: "after the restart" } })).isError, undefined);
    }
    assert.ok(kbAcknowledged.length > 0, "some kb_put calls were acknowledged");
    for (const key of kbAcknowledged) {
      const [, writer, n] = key.split("/");
      const { hits } = structured(await kbClient.callTool({ name: "kb_search", arguments: { query: `crashw${writer}x${n}q`, limit: 5 } }));
      assert.ok(hits.some((hit: { key: string }) => hit.key === key), `acknowledged kb entry ${key} lost`);
    }
  } finally {
    await Promise.all(writers.map((writer) => writer.client.close()));
    await second.stop();
    removeDataDir(first.dataDir);
  }
});
