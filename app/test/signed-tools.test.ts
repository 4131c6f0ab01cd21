// The Fly service's backend face: tools the edge does not host, called with a signed request.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { callUpstreamTool, UpstreamError } from "../src/upstream/client.ts";
import { signRequest } from "../src/upstream/signing.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "edge-to-fly-secret-0123456789abcdef";
let server: ServerProcess;

async function signedPost(path: string, args: unknown, { secret = SECRET, at }: { secret?: string; at?: number } = {}) {
  const body = new TextEncoder().encode(JSON.stringify(args));
  const headers = await signRequest(secret, "POST", path, body, at);
  return { body, headers, send: () => fetch(new URL(path, server.origin), { method: "POST", headers: { ...headers, "content-type": "application/json" }, body }) };
}

describe("signed tool calls from the edge", () => {
  before(async () => {
    server = await startServer({ env: { MCP_UPSTREAM_SECRET: SECRET, MCP_START_COMPUTE: "0" } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("a signed call runs a fly tool and returns its result", async () => {
    const origin = { url: server.origin, secret: SECRET };
    const put = (await callUpstreamTool(origin, "kb_put", { key: "k1", title: "Edge write", body: "written through the signed endpoint" }, { timeoutMs: 5000 })) as { created: boolean };
    assert.equal(put.created, true);
    const found = (await callUpstreamTool(origin, "kb_search", { query: "signed" }, { timeoutMs: 5000 })) as { hits: { key: string }[] };
    assert.deepEqual(found.hits.map((hit) => hit.key), ["k1"]);
  });

  test("a wrong key, a stale timestamp and an exact replay are refused with 401", async () => {
    const wrongKey = await signedPost("/tools/echo", { text: "x" }, { secret: "not-the-secret-0123456789" });
    assert.deepEqual([(await wrongKey.send()).status], [401]);
    const stale = await signedPost("/tools/echo", { text: "x" }, { at: Math.floor(Date.now() / 1000) - 61 });
    const staleResponse = await stale.send();
    assert.equal(staleResponse.status, 401);
    assert.match((await staleResponse.json()).error, /stale or future timestamp/);
    const once = await signedPost("/tools/echo", { text: "once" });
    assert.equal((await once.send()).status, 200);
    const replayed = await once.send();
    assert.equal(replayed.status, 401);
    assert.match((await replayed.json()).error, /replayed/);
    const unsigned = await fetch(new URL("/tools/echo", server.origin), { method: "POST", body: "{}" });
    assert.equal(unsigned.status, 401);
  });

  test("an exact replay is still refused after a SIGKILL and restart: the seen signatures are in the database", async () => {
    const once = await signedPost("/tools/echo", { text: "before the crash" });
    assert.equal((await once.send()).status, 200);
    await server.kill();
    server = await startServer({ dataDir: server.dataDir, env: { MCP_UPSTREAM_SECRET: SECRET, MCP_START_COMPUTE: "0" } });
    const replayed = await once.send();
    assert.equal(replayed.status, 401);
    assert.match((await replayed.json()).error, /replayed request: this signature was already used/);
    assert.equal((await (await signedPost("/tools/echo", { text: "a fresh call" })).send()).status, 200);
  });

  test("bad arguments get 400 naming the field; a tool not hosted here gets 404", async () => {
    const bad = await (await signedPost("/tools/kb_put", { key: "k2" })).send();
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /title/);
    const modal = await (await signedPost("/tools/csv_profile", { csv: "a\n1\n" })).send();
    assert.equal(modal.status, 404);
  });

  test("the client turns a refusal into an UpstreamError with the backend's reason", async () => {
    await assert.rejects(
      callUpstreamTool({ url: server.origin, secret: "not-the-secret-0123456789" }, "echo", { text: "x" }, { timeoutMs: 5000 }),
      (error: unknown) => error instanceof UpstreamError && /echo: signature mismatch/.test(error.message),
    );
  });
});
