// `npm run dev:sign-in -- --print-token`: a token any client can send, with nothing but the token on stdout.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDevAuthorizationServer, type DevAuthorizationServer } from "../scripts/dev-auth/authorization-server.ts";
import { RUNTIMES, type Served } from "./support/oauth.ts";

const SIGN_IN = fileURLToPath(new URL("../scripts/dev-auth/sign-in.ts", import.meta.url));
let auth: DevAuthorizationServer;
let served: Served;

before(async () => {
  auth = await startDevAuthorizationServer({});
  served = await RUNTIMES.find((runtime) => runtime.name === "node")!.start({ MCP_OAUTH_ISSUER: auth.issuer, MCP_OAUTH_SCOPES: "mcp" });
});
after(async () => {
  await served?.stop();
  await auth?.stop();
});

test("the printed token is all of stdout, and an SDK client and a plain HTTP request are served with it as a bearer header", async () => {
  const endpoint = served.endpoint("v1");
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [SIGN_IN, "--url", endpoint.href, "--user", "tess", "--print-token"]);
  assert.match(stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, "one JWT and a newline");
  assert.match(stderr, /signed in \(client registered by dynamic\); token: sub=tess /, "the story of the sign-in is on stderr");
  const token = stdout.trim();

  const client = new Client({ name: "bearer-client", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  assert.deepEqual((await client.callTool({ name: "echo", arguments: { text: "with a printed token" } })).content, [{ type: "text", text: "with a printed token" }]);
  // A bearer header cannot step up, so the printed token carries every advertised scope: kb_put's kb:write too.
  const put = await client.callTool({ name: "kb_put", arguments: { key: "curl/token", title: "From a printed token", body: "stored" } });
  assert.notEqual(put.isError, true, JSON.stringify(put.content));
  await client.close();

  // As curl sends it: one POST, no session.
  const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "curl", version: "1" } } };
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const withToken = await fetch(endpoint, { method: "POST", headers: { ...headers, authorization: `Bearer ${token}` }, body: JSON.stringify(initialize) });
  assert.equal(withToken.status, 200);
  assert.match(await withToken.text(), /"serverInfo"/);
  const without = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify(initialize) });
  assert.equal(without.status, 401);
});

test("--scope asks for fewer: a token without kb:write is refused by kb_put with 403 insufficient_scope", async () => {
  const endpoint = served.endpoint("v1");
  const { stdout } = await promisify(execFile)(process.execPath, [SIGN_IN, "--url", endpoint.href, "--user", "tess", "--print-token", "--scope", "mcp"]);
  const authorization = `Bearer ${stdout.trim()}`;
  const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization } } });
  const client = new Client({ name: "bearer-client", version: "1.0.0" });
  await client.connect(transport);
  try {
    const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "kb_put", arguments: { key: "curl/denied", title: "t", body: "b" } } };
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization, "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-11-25" };
    const answer = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify(call) });
    assert.equal(answer.status, 403);
    assert.match(answer.headers.get("www-authenticate") ?? "", /error="insufficient_scope".*scope="mcp kb:write"/);
  } finally {
    await client.close();
  }
});
