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
