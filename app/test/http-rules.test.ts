// What a careless or hostile client gets: an honest status and a JSON error, and the server stays healthy.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const TOKEN = "ci-token-0123456789abcdef";
const ENTRY = fileURLToPath(new URL("./support/test-server.ts", import.meta.url));
let server: ServerProcess;

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

function post(body: string | object, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function expectJsonError(response: Response, status: number, message: RegExp): Promise<void> {
  assert.equal(response.status, status, `status of ${message}`);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  const body = (await response.json()) as { error?: { message?: string } };
  assert.match(body.error?.message ?? "", message);
}

async function connect() {
  const client = new Client({ name: "rules-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(server.mcpUrl, { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } });
  await client.connect(transport);
  return { client, transport };
}

describe("HTTP rules", () => {
  before(async () => {
    server = await startServer({
      entry: ENTRY,
      env: { MCP_AUTH_TOKEN: TOKEN, MCP_TOOL_TIMEOUT_MS: "500", MCP_ALLOWED_ORIGINS: "https://app.example.com" },
    });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("a foreign Origin gets 403 as JSON; an allowed one gets CORS headers", async () => {
    await expectJsonError(await post(INITIALIZE, { origin: "https://evil.example" }), 403, /origin https:\/\/evil.example is not allowed/);
    const allowed = await post(INITIALIZE, { origin: "https://app.example.com" });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example.com");
    await allowed.body?.cancel();
  });

  test("a missing or wrong token gets 401 with a Bearer challenge", async () => {
    for (const authorization of ["", "Bearer nope", `Basic ${TOKEN}`]) {
      const response = await post(INITIALIZE, { authorization });
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer realm="mcp"/);
      await expectJsonError(response, 401, /bearer token is required/);
    }
  });

  test("a body over 4 MiB gets 413 as JSON, declared or streamed", async () => {
    const big = JSON.stringify({ ...INITIALIZE, padding: "x".repeat(4 * 1024 * 1024) });
    await expectJsonError(await post(big), 413, /Payload too large/);
  });

  test("malformed JSON, batches, scalars and a wrong Content-Type are refused", async () => {
    await expectJsonError(await post("{not json"), 400, /Parse error/);
    await expectJsonError(await post([INITIALIZE]), 400, /batches are not supported/);
    await expectJsonError(await post("42"), 400, /expected a JSON-RPC message object/);
    await expectJsonError(await post(INITIALIZE, { "content-type": "text/plain" }), 415, /Content-Type must be application\/json/);
  });

  test("an unknown session gets 404; a request without one that is not initialize gets 400", async () => {
    const listTools = { jsonrpc: "2.0", id: 2, method: "tools/list" };
    await expectJsonError(await post(listTools, { "mcp-session-id": "00000000-0000-4000-8000-000000000000", "mcp-protocol-version": "2025-11-25" }), 404, /Session not found/);
    await expectJsonError(await post(listTools), 400, /Mcp-Session-Id header is required/);
  });

  test("an unsupported protocol version gets 400", async () => {
    const { transport, client } = await connect();
    const response = await post({ jsonrpc: "2.0", id: 3, method: "tools/list" }, { "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "1999-01-01" });
    await expectJsonError(response, 400, /[Uu]nsupported protocol version/);
    await client.close();
  });

  test("other methods get 405 with Allow; unknown paths get 404", async () => {
    const put = await fetch(server.mcpUrl, { method: "PUT", headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(put.headers.get("allow"), "GET, POST, DELETE, OPTIONS");
    await expectJsonError(put, 405, /Method PUT is not allowed/);
    await expectJsonError(await fetch(new URL("/v9/mcp", server.origin)), 404, /MCP is served at \/v1\/mcp/);
  });

  test("a tool that throws returns isError with its message; the session goes on", async () => {
    const { client } = await connect();
    const failed = await client.callTool({ name: "test_explode", arguments: {} });
    assert.equal(failed.isError, true);
    assert.deepEqual(failed.content, [{ type: "text", text: "test_explode failed: kaboom from the fixture" }]);
    const echo = await client.callTool({ name: "echo", arguments: { text: "still here" } });
    assert.deepEqual(echo.content, [{ type: "text", text: "still here" }]);
    await client.close();
  });

  test("a tool that hangs is cut off by the per-call timeout without touching another session", async () => {
    const hung = await connect();
    const other = await connect();
    const pending = hung.client.callTool({ name: "test_hang", arguments: {} });
    const echo = await other.client.callTool({ name: "echo", arguments: { text: "unaffected" } });
    assert.deepEqual(echo.content, [{ type: "text", text: "unaffected" }]);
    const result = await pending;
    assert.equal(result.isError, true);
    assert.deepEqual(result.content, [{ type: "text", text: "test_hang timed out after 500 ms" }]);
    await hung.client.close();
    await other.client.close();
  });

  test("the server is healthy after all of the above", async () => {
    const response = await fetch(new URL("/healthz", server.origin));
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { ok: boolean }).ok, true);
  });
});
