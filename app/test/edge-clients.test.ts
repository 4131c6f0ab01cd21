// The Worker under workerd, driven by the v1 SDK client (2025-11-25) and the v2 client (2026-07-28).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startEdgeWorker, type EdgeWorker } from "./support/edge-worker.ts";
import { structured } from "./support/results.ts";

const ALICE = "alice-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdef";

async function legacyClient(url: URL, token = ALICE) {
  const client = new Client({ name: "edge-legacy", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return { client, transport };
}

async function modernClient(url: URL, token: string) {
  const client = new ModernClient({ name: "edge-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new ModernTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

describe("the Worker in workerd", () => {
  let edge: EdgeWorker;
  before(async () => {
    edge = await startEdgeWorker({ bindings: { MCP_AUTH_TOKEN: `alice=${ALICE},bob=${BOB}`, RATE_LIMIT_PER_MINUTE: "5" } });
  });
  after(() => edge.dispose());

  test("a v1 client gets a session in its own Durable Object, with every tool", async () => {
    const { client, transport } = await legacyClient(edge.mcpUrl);
    assert.match(transport.sessionId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(transport.protocolVersion, "2025-11-25");
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ["csv_cluster", "csv_profile", "echo", "kb_put", "kb_search", "note_add", "note_list"]);
    assert.deepEqual((await client.callTool({ name: "echo", arguments: { text: "at the edge" } })).content, [{ type: "text", text: "at the edge" }]);
    await client.callTool({ name: "note_add", arguments: { text: "edge note" } });
    const other = await legacyClient(edge.mcpUrl);
    assert.deepEqual(structured(await other.client.callTool({ name: "note_list", arguments: {} })).notes, []);
    assert.deepEqual(structured(await client.callTool({ name: "note_list", arguments: {} })).notes.map((n: { text: string }) => n.text), ["edge note"]);
    await client.close();
    await other.client.close();
  });

  test("a v2 client is served without a session; its scratchpad is keyed by the token's subject", async () => {
    const alice = await modernClient(edge.mcpUrl, ALICE);
    assert.equal(alice.getNegotiatedProtocolVersion?.(), "2026-07-28");
    await alice.callTool({ name: "note_add", arguments: { text: "alice at the edge" } });
    await alice.close();
    const again = await modernClient(edge.mcpUrl, ALICE);
    assert.deepEqual(structured(await again.callTool({ name: "note_list", arguments: {} })).notes.map((n: { text: string }) => n.text), ["alice at the edge"]);
    await again.close();
    const bob = await modernClient(edge.mcpUrl, BOB);
    assert.deepEqual(structured(await bob.callTool({ name: "note_list", arguments: {} })).notes, []);
    await bob.close();
  });

  test("an unknown or foreign session id gets 404, a deleted one too", async () => {
    const headers = { authorization: `Bearer ${ALICE}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const response = await fetch(edge.mcpUrl, { method: "POST", headers: { ...headers, "mcp-session-id": id }, body: list });
      assert.equal(response.status, 404, id);
      assert.match((await response.json()).error.message, /Session not found/);
    }
    const { client, transport } = await legacyClient(edge.mcpUrl, BOB);
    const sessionId = transport.sessionId!;
    // Alice may not use Bob's session.
    const stolen = await fetch(edge.mcpUrl, { method: "POST", headers: { ...headers, "mcp-session-id": sessionId }, body: list });
    assert.equal(stolen.status, 404);
    await transport.terminateSession();
    const gone = await fetch(edge.mcpUrl, { method: "POST", headers: { ...headers, authorization: `Bearer ${BOB}`, "mcp-session-id": sessionId }, body: list });
    assert.equal(gone.status, 404);
    await client.close();
  });

  test("past the per-session rate limit a call gets 429 and a JSON-RPC error saying when to retry", async () => {
    const { client, transport } = await legacyClient(edge.mcpUrl);
    for (let call = 0; call < 5; call++) await client.callTool({ name: "echo", arguments: { text: String(call) } });
    const response = await fetch(edge.mcpUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 77, method: "tools/call", params: { name: "echo", arguments: { text: "one too many" } } }),
    });
    assert.equal(response.status, 429);
    const retryAfter = Number(response.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60);
    const body = await response.json();
    assert.equal(body.id, 77);
    assert.equal(body.error.data.retryAfterSeconds, retryAfter);
    assert.match(body.error.message, /5 tool calls per minute; retry in \d+ s/);
    // Another session is not limited by this one.
    const other = await legacyClient(edge.mcpUrl);
    assert.equal((await other.client.callTool({ name: "echo", arguments: { text: "fresh" } })).isError, undefined);
    await client.close();
    await other.client.close();
  });

  test("without sessions the rate limit counts each principal's tool calls, and says when to retry", async () => {
    const bob = await modernClient(edge.mcpUrl, BOB);
    let refusal: unknown;
    for (let call = 0; call < 10 && refusal === undefined; call++) {
      await bob.callTool({ name: "echo", arguments: { text: String(call) } }).catch((error: unknown) => (refusal = error));
    }
    assert.match(String(refusal), /this principal may make 5 tool calls per minute; retry in \d+ s/);
    await bob.close();
    // Alice is counted on her own.
    const alice = await modernClient(edge.mcpUrl, ALICE);
    assert.deepEqual((await alice.callTool({ name: "echo", arguments: { text: "mine" } })).content, [{ type: "text", text: "mine" }]);
    await alice.close();
  });

  test("tools placed on Fly or Modal without a configured origin answer with a clear tool error", async () => {
    const { client } = await legacyClient(edge.mcpUrl);
    const result = await client.callTool({ name: "kb_search", arguments: { query: "anything" } });
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: "text", text: "kb_search: no fly backend is configured for this server" }]);
    await client.close();
  });

  test("HTTP rules match Node: foreign Origin 403, missing token 401, oversized body 413", async () => {
    const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    const base = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const foreign = await fetch(edge.mcpUrl, { method: "POST", headers: { ...base, authorization: `Bearer ${ALICE}`, origin: "https://evil.example" }, body: initialize });
    assert.equal(foreign.status, 403);
    const anonymous = await fetch(edge.mcpUrl, { method: "POST", headers: base, body: initialize });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer/);
    const big = await fetch(edge.mcpUrl, { method: "POST", headers: { ...base, authorization: `Bearer ${ALICE}` }, body: "x".repeat(4 * 1024 * 1024 + 1) });
    assert.equal(big.status, 413);
    assert.match((await big.json()).error.message, /Payload too large/);
  });
});

test("a GET stream carries keep-alive comments, so Cloudflare's idle cut-off never hits it", async () => {
  const edge = await startEdgeWorker({ bindings: { SSE_KEEPALIVE_MS: "1000" } });
  try {
    const initialize = await fetch(edge.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
    });
    const sessionId = initialize.headers.get("mcp-session-id")!;
    await initialize.body?.cancel();
    const response = await fetch(edge.mcpUrl, {
      headers: { accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = "";
    while (!received.includes(": keepalive")) {
      const { value, done } = await reader.read();
      if (done) break;
      received += value;
    }
    assert.match(received, /^: keepalive$/m);
    await reader.cancel();
  } finally {
    await edge.dispose();
  }
});

test("a client that lost a POST stream gets the answer again by resuming with Last-Event-ID", async () => {
  const edge = await startEdgeWorker();
  try {
    const base = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    const initialize = await fetch(edge.mcpUrl, {
      method: "POST",
      headers: base,
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
    });
    const session = { "mcp-session-id": initialize.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-11-25" };
    await initialize.body?.cancel();
    const call = await fetch(edge.mcpUrl, {
      method: "POST",
      headers: { ...base, ...session },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: "worth resuming" } } }),
    });
    // The first event is the stream's priming event: its id is what a client resumes from.
    const firstEvent = (await call.text()).split("\n\n")[0]!;
    const primingId = /^id: (.+)$/m.exec(firstEvent)?.[1];
    assert.ok(primingId, `a priming event with an id: ${firstEvent}`);

    const resumed = await fetch(edge.mcpUrl, { headers: { accept: "text/event-stream", ...session, "last-event-id": primingId } });
    assert.equal(resumed.status, 200);
    const reader = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let replayed = "";
    while (!replayed.includes("worth resuming")) {
      const { value, done } = await reader.read();
      if (done) break;
      replayed += value;
    }
    await reader.cancel();
    assert.match(replayed, /"id":7/);
    assert.match(replayed, /worth resuming/);
  } finally {
    await edge.dispose();
  }
});

test("a session survives a restart of workerd when storage is persisted", async () => {
  const persistDir = mkdtempSync(join(tmpdir(), "edge-persist-"));
  try {
    const first = await startEdgeWorker({ persistDir });
    const port = Number(new URL(first.origin).port);
    const client = new Client({ name: "edge-restart", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(first.mcpUrl);
    await client.connect(transport);
    await client.callTool({ name: "note_add", arguments: { text: "before restart" } });
    await first.dispose();

    const second = await startEdgeWorker({ persistDir, port });
    try {
      const listed = structured(await client.callTool({ name: "note_list", arguments: {} }));
      assert.deepEqual(listed.notes.map((n: { text: string }) => n.text), ["before restart"]);
      await client.callTool({ name: "note_add", arguments: { text: "after restart" } });
      assert.equal(structured(await client.callTool({ name: "note_list", arguments: {} })).notes.length, 2);
      await client.close();
    } finally {
      await second.dispose();
    }
  } finally {
    rmSync(persistDir, { recursive: true, force: true });
  }
});
