// The Fly service's backend face: tools the edge does not host, called with a signed request.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { callUpstream, callUpstreamTool, UpstreamError } from "../src/upstream/client.ts";
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

  test("a call signed for another release is refused with 409, naming the release served, never answered", async () => {
    const other = { url: server.origin, secret: SECRET, release: "r-0the70000000" };
    await assert.rejects(callUpstreamTool(other, "kb_search", { query: "signed" }, { timeoutMs: 5000 }), /release r-0the70000000 is not served here \(serving local\)/);
    const own = (await callUpstreamTool({ ...other, release: "local" }, "kb_search", { query: "signed" }, { timeoutMs: 5000 })) as { hits: unknown[] };
    assert.ok(Array.isArray(own.hits));
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

describe("the signed call's stream (app/src/upstream/call-stream.ts)", () => {
  let fly: ServerProcess;
  before(async () => {
    fly = await startServer({ env: { MCP_UPSTREAM_SECRET: SECRET, MCP_START_COMPUTE: "0", MCP_FIXTURES: "conformance" } });
  });
  after(async () => {
    await fly.stop();
    removeDataDir(fly.dataDir);
  });

  test("a streamed prompt carries the handler's progress as it renders, then the prompt", async () => {
    const origin = { url: fly.origin, secret: SECRET };
    await callUpstreamTool(origin, "kb_put", { key: "ops/backup", title: "Backups", body: "Litestream streams the database to S3." }, { timeoutMs: 5000 });
    const reports: number[] = [];
    const reporter = { progress: async (progress: number) => void reports.push(progress), log: async () => undefined };
    const prompt = (await callUpstream(origin, { kind: "prompts", name: "kb_runbook" }, { topic: "backups" }, { timeoutMs: 5000, reporter })) as { messages: unknown[] };
    assert.deepEqual(reports, [0, 1]);
    assert.equal(prompt.messages.length, 2);
  });

  test("a caller that closes the stream stops the handler in the Node service", async () => {
    const cancel = new AbortController();
    const reporter = { progress: async () => undefined, log: async () => cancel.abort() };
    const call = callUpstream({ url: fly.origin, secret: SECRET }, { kind: "tools", name: "test_tool_with_logging" }, {}, { timeoutMs: 5000, reporter, signal: cancel.signal });
    await assert.rejects(call);
    const deadline = Date.now() + 5000;
    while (!fly.output().includes("the caller closed the connection") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(fly.output(), /signed call \/tools\/test_tool_with_logging: the caller closed the connection; the handler was stopped/);
  });

  test("a completion of an argument the prompt lacks is refused before it runs; a kind not placed here is 404", async () => {
    const origin = { url: fly.origin, secret: SECRET };
    await assert.rejects(
      callUpstream(origin, { kind: "prompts", name: "kb_runbook", action: "complete" }, { argument: "colour", value: "" }, { timeoutMs: 5000 }),
      /kb_runbook: no argument "colour" to complete; the arguments are topic, documents/,
    );
    await assert.rejects(callUpstream(origin, { kind: "prompts", name: "test_simple_prompt" }, {}, { timeoutMs: 5000 }), /no prompt "test_simple_prompt" is served here/);
  });
});
