// The session-less 2026-07-28 era, driven by the v2 client.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { structured } from "./support/results.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const ALICE = "alice-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdef";
let server: ServerProcess;

async function connect(token: string) {
  const client = new Client({ name: "modern-test", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  const transport = new StreamableHTTPClientTransport(server.mcpUrl, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return { client, transport };
}


describe("2026-07-28 requests with the v2 client", () => {
  before(async () => {
    server = await startServer({ env: { MCP_AUTH_TOKEN: `alice=${ALICE},bob=${BOB}` } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("the client negotiates 2026-07-28 and gets no session", async () => {
    const { client, transport } = await connect(ALICE);
    assert.equal(client.getNegotiatedProtocolVersion?.(), "2026-07-28");
    assert.equal(transport.sessionId, undefined);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 7);
    const echo = await client.callTool({ name: "echo", arguments: { text: "stateless" } });
    assert.deepEqual(echo.content, [{ type: "text", text: "stateless" }]);
    await client.close();
  });

  test("the scratchpad is keyed by the bearer token's subject", async () => {
    const alice = await connect(ALICE);
    await alice.client.callTool({ name: "note_add", arguments: { text: "alice's note" } });
    await alice.client.close();

    const aliceAgain = await connect(ALICE);
    const mine = structured(await aliceAgain.client.callTool({ name: "note_list", arguments: {} }));
    assert.deepEqual(mine.notes.map((note: { text: string }) => note.text), ["alice's note"]);
    await aliceAgain.client.close();

    const bob = await connect(BOB);
    const theirs = structured(await bob.client.callTool({ name: "note_list", arguments: {} }));
    assert.deepEqual(theirs.notes, []);
    await bob.client.close();
  });

  test("fly and modal tools work without a session", async () => {
    const { client } = await connect(BOB);
    await client.callTool({ name: "kb_put", arguments: { key: "faq/hours", title: "Support hours", body: "We answer pages around the clock." } });
    const { hits } = structured(await client.callTool({ name: "kb_search", arguments: { query: "support" } }));
    assert.equal(hits[0].key, "faq/hours");
    const profile = structured(await client.callTool({ name: "csv_profile", arguments: { csv: "n\n1\n2\n3\n4\n" } }));
    assert.equal(profile.column_profiles[0].type, "integer");
    assert.equal(profile.column_profiles[0].mean, 2.5);
    await client.close();
  });

  test("a wrong token is refused with 401 and a Bearer challenge", async () => {
    const response = await fetch(server.mcpUrl, {
      method: "POST",
      headers: { authorization: "Bearer wrong-token-0123456789", "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: "{}",
    });
    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer /);
  });
});
