// One writer region: a primary (iad) and a second region (lax) on this machine,
// lax reaching iad's signed endpoint the way it would over Fly's private network.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { callUpstreamTool } from "../src/upstream/client.ts";
import { signRequest } from "../src/upstream/signing.ts";
import { structured } from "./support/results.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "region-test-secret-0123456789abcdef";
let iad: ServerProcess;
let lax: ServerProcess;

/** A signed edge call, kept so the very same request can be sent again (as Fly's proxy replays it). */
async function signedCall(tool: string, args: unknown) {
  const path = `/tools/${tool}`;
  const body = new TextEncoder().encode(JSON.stringify(args));
  const headers = { ...(await signRequest(SECRET, "POST", path, body)), "content-type": "application/json" };
  return (server: ServerProcess, extra: Record<string, string> = {}) =>
    fetch(new URL(path, server.origin), { method: "POST", headers: { ...headers, ...extra }, body });
}

async function searchKeys(server: ServerProcess, query: string): Promise<string[]> {
  const found = (await callUpstreamTool({ url: server.origin, secret: SECRET }, "kb_search", { query }, { timeoutMs: 5000 })) as { hits: { key: string }[] };
  return found.hits.map((hit) => hit.key);
}

describe("one writer region", () => {
  before(async () => {
    const common = { MCP_UPSTREAM_SECRET: SECRET, MCP_START_COMPUTE: "0", PRIMARY_REGION: "iad" };
    iad = await startServer({ env: { ...common, FLY_REGION: "iad" } });
    lax = await startServer({ env: { ...common, FLY_REGION: "lax", MCP_PRIMARY_ORIGIN: iad.origin } });
  });
  after(async () => {
    await Promise.all([iad.stop(), lax.stop()]);
    removeDataDir(iad.dataDir);
    removeDataDir(lax.dataDir);
  });

  test("a signed kb_put in lax is answered with fly-replay: region=iad, and the replayed request writes in iad", async () => {
    const send = await signedCall("kb_put", { key: "replay/1", title: "Replayed write", body: "lands in the primary" });
    const answer = await send(lax);
    assert.equal(answer.status, 409);
    assert.equal(answer.headers.get("fly-replay"), "region=iad");
    assert.match((await answer.json()).error, /primary region iad, not in lax/);
    assert.deepEqual(await searchKeys(iad, "replayed write"), [], "lax must not write anywhere itself");

    // What Fly's proxy does next: the same request, same signature, to a machine in iad.
    const replayed = await send(iad, { "fly-replay-src": "instance=0123456789abcd;region=lax;t=1700000000000000" });
    assert.equal(replayed.status, 200);
    assert.equal((await replayed.json()).result.created, true);
    assert.deepEqual(await searchKeys(iad, "replayed"), ["replay/1"]);
  });

  test("a request Fly already replayed that lands in lax again is refused, not replayed in a loop", async () => {
    const send = await signedCall("kb_put", { key: "replay/loop", title: "Loop", body: "never written" });
    const answer = await send(lax, { "fly-replay-src": "instance=0123456789abcd;region=sin;t=1700000000000000" });
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get("fly-replay"), null);
    assert.match((await answer.json()).error, /runs in the primary region iad/);
  });

  test("a kb_put too large for Fly to replay (over 1 MB) is forwarded by lax to iad instead", async () => {
    // Control characters are escaped to six bytes each in JSON: 200 000 of them make a 1.2 MB body.
    const body = "\u0001".repeat(200_000);
    const send = await signedCall("kb_put", { key: "replay/large", title: "Large forwarded", body });
    const answer = await send(lax);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("fly-replay"), null);
    assert.deepEqual(await searchKeys(iad, "large forwarded"), ["replay/large"]);
  });

  test("without a copy of the primary in lax, a signed kb_search there is replayed to iad too", async () => {
    const send = await signedCall("kb_search", { query: "anything at all" });
    const answer = await send(lax);
    assert.equal(answer.status, 409);
    assert.equal(answer.headers.get("fly-replay"), "region=iad");
  });

  test("tools placed on the edge are served in lax itself", async () => {
    const send = await signedCall("echo", { text: "served in lax" });
    const answer = await send(lax);
    assert.equal(answer.status, 200);
    assert.equal((await answer.json()).result, "served in lax");
  });

  test("a 2025-11-25 session in lax writes to iad and reads what iad holds; the session stays in lax", async () => {
    const client = new Client({ name: "region-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(lax.mcpUrl);
    await client.connect(transport);
    const put = await client.callTool({ name: "kb_put", arguments: { key: "session/1", title: "Written from a lax session", body: "forwarded" } });
    assert.equal(put.isError, undefined, JSON.stringify(put.content));
    assert.equal(structured(put).created, true);
    assert.deepEqual(await searchKeys(iad, "lax session"), ["session/1"]);
    const found = await client.callTool({ name: "kb_search", arguments: { query: "lax session" } });
    assert.deepEqual(structured(found).hits.map((hit: { key: string }) => hit.key), ["session/1"]);
    const note = await client.callTool({ name: "note_add", arguments: { text: "kept in lax" } });
    assert.equal(note.isError, undefined);
    assert.ok(transport.sessionId);
    await client.close();
  });

  test("a 2026-07-28 request in lax writes to iad", async () => {
    const client = new ModernClient({ name: "region-test", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    await client.connect(new ModernTransport(lax.mcpUrl));
    const put = await client.callTool({ name: "kb_put", arguments: { key: "modern/1", title: "Stateless from lax", body: "forwarded" } });
    assert.equal(structured(put).created, true);
    assert.deepEqual(await searchKeys(iad, "stateless"), ["modern/1"]);
    await client.close();
  });

  test("each server reports its region and the primary on /healthz", async () => {
    const [east, west] = await Promise.all([iad, lax].map(async (server) => (await fetch(new URL("/healthz", server.origin))).json()));
    assert.deepEqual([east.region, east.primaryRegion, west.region, west.primaryRegion], ["iad", "iad", "lax", "iad"]);
  });
});
