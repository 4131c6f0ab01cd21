// What a careless or hostile client gets: for each request of a corpus, an honest status and a
// JSON-RPC error naming what was wrong, and the server stays healthy after every one of them.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { jsonRpcMessage, rawRequest, stallAfter, type RawAnswer, type RawRequest } from "./support/raw-http.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const TOKEN = "ci-token-0123456789abcdef";
const ENTRY = fileURLToPath(new URL("./support/test-server.ts", import.meta.url));
const HEADERS_TIMEOUT_MS = 400;
const REQUEST_TIMEOUT_MS = 1200;
const MIB = 1024 * 1024;

const AUTH = { authorization: `Bearer ${TOKEN}` };
const JSON_POST = { ...AUTH, "content-type": "application/json", accept: "application/json, text/event-stream" };
const UNKNOWN_SESSION = "00000000-0000-4000-8000-000000000000";
const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "corpus", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

const initialize = (protocolVersion = "2025-11-25") => ({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "corpus", version: "1" } },
});
const call = (name: string, args: unknown) => ({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } });
const modernCall = (name: string, args: unknown, meta: object = MODERN_META) => ({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name, arguments: args, _meta: meta } });
const modernHeaders = (name: string, version = "2026-07-28") => ({ ...JSON_POST, "mcp-protocol-version": version, "mcp-method": "tools/call", "mcp-name": name });

/** A corpus entry: the request, then the status and the JSON-RPC error (or failed tool result) it must get. */
interface Case {
  name: string;
  /** Built once the session exists; `session` adds its Mcp-Session-Id and protocol version. */
  request: (session: Record<string, string>) => RawRequest;
  status: number;
  /** JSON-RPC error code and message, or `tool`: a result with isError whose text matches. */
  error?: { code: number; message: RegExp };
  tool?: RegExp;
  check?: (answer: RawAnswer) => void;
}

const post = (body: unknown, headers: Record<string, string> = JSON_POST): RawRequest => ({ body: typeof body === "string" ? body : JSON.stringify(body), headers });

const CORPUS: Case[] = [
  // Malformed JSON
  { name: "a body that is not JSON", request: () => post("{not json"), status: 400, error: { code: -32700, message: /Parse error: the body is not valid JSON/ } },
  { name: "an empty body", request: () => post(""), status: 400, error: { code: -32700, message: /Parse error/ } },
  { name: "truncated JSON", request: () => post('{"jsonrpc":"2.0","id":1,'), status: 400, error: { code: -32700, message: /Parse error/ } },
  { name: "a JSON scalar", request: () => post("42"), status: 400, error: { code: -32600, message: /expected a JSON-RPC message object/ } },
  { name: "JSON null", request: () => post("null"), status: 400, error: { code: -32600, message: /expected a JSON-RPC message object/ } },
  { name: "an object without jsonrpc", request: (s) => post({ id: 1, method: "tools/list" }, { ...JSON_POST, ...s }), status: 400, error: { code: -32600, message: /not a valid JSON-RPC message/ } },
  { name: "an object without method or result", request: (s) => post({ jsonrpc: "2.0", id: 1 }, { ...JSON_POST, ...s }), status: 400, error: { code: -32600, message: /not a valid JSON-RPC message/ } },
  // JSON-RPC batches (removed in 2025-06-18)
  { name: "a batch holding an initialize", request: () => post([initialize()]), status: 400, error: { code: -32600, message: /batches are not supported \(removed in protocol 2025-06-18\)/ } },
  { name: "an empty batch", request: () => post([]), status: 400, error: { code: -32600, message: /batches are not supported/ } },
  { name: "a batch of tool calls in a session", request: (s) => post([call("echo", { text: "a" }), call("echo", { text: "b" })], { ...JSON_POST, ...s }), status: 400, error: { code: -32600, message: /batches are not supported/ } },
  // Accept and Content-Type
  { name: "Content-Type text/plain", request: () => post(initialize(), { ...JSON_POST, "content-type": "text/plain" }), status: 415, error: { code: -32600, message: /Content-Type must be application\/json/ } },
  { name: "no Content-Type", request: () => post(initialize(), { ...AUTH, accept: "application/json, text/event-stream" }), status: 415, error: { code: -32600, message: /Content-Type must be application\/json/ } },
  { name: "a form Content-Type", request: () => post("a=1", { ...JSON_POST, "content-type": "application/x-www-form-urlencoded" }), status: 415, error: { code: -32600, message: /Unsupported Media Type/ } },
  { name: "Accept text/html", request: (s) => post(call("echo", { text: "x" }), { ...JSON_POST, ...s, accept: "text/html" }), status: 406, error: { code: -32000, message: /Not Acceptable: Client must accept both application\/json and text\/event-stream/ } },
  { name: "Accept without text/event-stream in a session", request: (s) => post(call("echo", { text: "x" }), { ...JSON_POST, ...s, accept: "application/json" }), status: 406, error: { code: -32000, message: /Not Acceptable/ } },
  // Protocol version
  { name: "an unsupported protocol version in a session", request: (s) => post(call("echo", { text: "x" }), { ...JSON_POST, ...s, "mcp-protocol-version": "1999-01-01" }), status: 400, error: { code: -32000, message: /Unsupported protocol version/ } },
  { name: "an unsupported 2026-era protocol version", request: () => post(modernCall("echo", { text: "x" }, { ...MODERN_META, "io.modelcontextprotocol/protocolVersion": "2099-01-01" }), modernHeaders("echo", "2099-01-01")), status: 400, error: { code: -32022, message: /Unsupported protocol version: 2099-01-01/ } },
  { name: "a 2026-era call missing its protocol envelope", request: () => post({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } }, modernHeaders("echo")), status: 400, error: { code: -32602, message: /missing the required per-request envelope key\(s\): _meta/ } },
  { name: "a version header that disagrees with the body", request: () => post(modernCall("echo", { text: "x" }), modernHeaders("echo", "2025-11-25")), status: 400, error: { code: -32020, message: /headers and body disagree/ } },
  { name: "an Mcp-Name header that disagrees with the body", request: () => post(modernCall("echo", { text: "x" }), modernHeaders("note_add")), status: 400, error: { code: -32020, message: /Mcp-Name header names "note_add"/ } },
  // Session id
  { name: "a tool call without a session id", request: () => post(call("echo", { text: "x" })), status: 400, error: { code: -32600, message: /Mcp-Session-Id header is required/ } },
  { name: "an unknown session id", request: () => post(call("echo", { text: "x" }), { ...JSON_POST, "mcp-session-id": UNKNOWN_SESSION, "mcp-protocol-version": "2025-11-25" }), status: 404, error: { code: -32600, message: /Session not found/ } },
  { name: "a session id that is not a UUID", request: () => post(call("echo", { text: "x" }), { ...JSON_POST, "mcp-session-id": "../../etc/passwd", "mcp-protocol-version": "2025-11-25" }), status: 404, error: { code: -32600, message: /Session not found/ } },
  { name: "a GET stream without a session id", request: () => ({ method: "GET", headers: { ...AUTH, accept: "text/event-stream" } }), status: 400, error: { code: -32600, message: /Mcp-Session-Id header is required/ } },
  { name: "a DELETE of an unknown session", request: () => ({ method: "DELETE", headers: { ...AUTH, "mcp-session-id": UNKNOWN_SESSION, "mcp-protocol-version": "2025-11-25" } }), status: 404, error: { code: -32600, message: /Session not found/ } },
  // Origin and Host
  { name: "a foreign Origin", request: () => post(initialize(), { ...JSON_POST, origin: "https://evil.example" }), status: 403, error: { code: -32600, message: /origin https:\/\/evil.example is not allowed/ } },
  { name: "Origin null (a sandboxed page)", request: () => post(initialize(), { ...JSON_POST, origin: "null" }), status: 403, error: { code: -32600, message: /origin null is not allowed/ } },
  {
    name: "an allowed Origin gets CORS headers",
    request: () => post(initialize(), { ...JSON_POST, origin: "https://app.example.com" }),
    status: 200,
    check: (answer) => assert.equal(answer.headers["access-control-allow-origin"], "https://app.example.com"),
  },
  { name: "a foreign Host header (DNS rebinding)", request: () => post(initialize(), { ...JSON_POST, host: "attacker.example:80" }), status: 403, error: { code: -32000, message: /Invalid Host/ } },
  // Token
  ...[
    ["no Authorization header", undefined],
    ["a wrong bearer token", "Bearer nope-nope-nope-nope-nope"],
    ["an empty bearer token", "Bearer "],
    ["the token under the Basic scheme", `Basic ${TOKEN}`],
  ].map(([name, authorization]): Case => ({
    name: name!,
    request: () => {
      const { authorization: _, ...headers } = JSON_POST;
      return post(initialize(), authorization === undefined ? headers : { ...headers, authorization });
    },
    status: 401,
    error: { code: -32600, message: /Unauthorized: a valid bearer token is required/ },
    check: (answer) => assert.match(String(answer.headers["www-authenticate"]), /^Bearer realm="mcp"/),
  })),
  // Oversize bodies
  { name: "a declared body over 4 MiB", request: () => post(JSON.stringify({ ...initialize(), padding: "x".repeat(4 * MIB) })), status: 413, error: { code: -32600, message: /Payload too large: the limit is 4194304 bytes/ } },
  { name: "a streamed (chunked) body over 4 MiB", request: () => ({ ...post(JSON.stringify({ ...initialize(), padding: "x".repeat(4 * MIB) })), chunked: true }), status: 413, error: { code: -32600, message: /Payload too large/ } },
  // Invalid tool arguments
  { name: "a number where note_add wants text", request: (s) => post(call("note_add", { text: 42 }), { ...JSON_POST, ...s }), status: 200, tool: /Invalid arguments for tool note_add: text: Invalid input: expected string, received number/ },
  { name: "note_add without its text", request: (s) => post(call("note_add", {}), { ...JSON_POST, ...s }), status: 200, tool: /Invalid arguments for tool note_add: text/ },
  { name: "echo text over its 100,000-character limit", request: (s) => post(call("echo", { text: "x".repeat(100_001) }), { ...JSON_POST, ...s }), status: 200, tool: /Too big: expected string to have <=100000 characters/ },
  { name: "invalid arguments in the 2026 era", request: () => post(modernCall("note_add", { text: 42 }), modernHeaders("note_add")), status: 200, tool: /Invalid arguments for tool note_add/ },
  // Unknown tools
  { name: "an unknown tool in a session", request: (s) => post(call("no_such_tool", {}), { ...JSON_POST, ...s }), status: 200, error: { code: -32602, message: /Tool no_such_tool not found/ } },
  { name: "an unknown tool in the 2026 era", request: () => post(modernCall("no_such_tool", {}), modernHeaders("no_such_tool")), status: 200, error: { code: -32602, message: /Tool no_such_tool not found/ } },
  // Methods and paths
  {
    name: "PUT",
    request: () => ({ method: "PUT", headers: AUTH }),
    status: 405,
    error: { code: -32600, message: /Method PUT is not allowed/ },
    check: (answer) => assert.equal(answer.headers.allow, "GET, POST, DELETE, OPTIONS"),
  },
  { name: "a path that serves nothing", request: () => ({ method: "GET", path: "/v9/mcp", headers: AUTH }), status: 404, error: { code: -32600, message: /MCP is served at \/v1\/mcp/ } },
];

/** Slow clients: what they send before they stall, and when the server must have cut them off. */
const SLOW: { name: string; bytes: string; withinMs: number }[] = [
  { name: "headers that never finish", bytes: "POST /v1/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n", withinMs: HEADERS_TIMEOUT_MS },
  {
    name: "a body that stops halfway",
    bytes: `POST /v1/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 200\r\n\r\n{"jsonrpc":"2.0","id":1,`,
    withinMs: REQUEST_TIMEOUT_MS,
  },
];

let server: ServerProcess;
let session: Record<string, string>;

async function assertHealthy(after: string): Promise<void> {
  const health = await rawRequest(server.origin, { method: "GET", path: "/healthz" });
  assert.equal(health.status, 200, `the server is unhealthy after ${after}`);
  assert.equal((JSON.parse(health.body) as { ok: boolean }).ok, true);
}

describe("the bad-input corpus", () => {
  before(async () => {
    server = await startServer({
      entry: ENTRY,
      env: {
        MCP_AUTH_TOKEN: TOKEN,
        MCP_ALLOWED_ORIGINS: "https://app.example.com",
        MCP_START_COMPUTE: "0",
        MCP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        MCP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
    });
    const opened = await rawRequest(server.origin, post(initialize()));
    assert.equal(opened.status, 200);
    session = { "mcp-session-id": String(opened.headers["mcp-session-id"]), "mcp-protocol-version": "2025-11-25" };
    assert.equal((await rawRequest(server.origin, post({ jsonrpc: "2.0", method: "notifications/initialized" }, { ...JSON_POST, ...session }))).status, 202);
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test(`has at least 30 requests (${CORPUS.length + SLOW.length})`, () => {
    assert.ok(CORPUS.length + SLOW.length >= 30);
    assert.equal(new Set(CORPUS.map((entry) => entry.name)).size, CORPUS.length);
  });

  for (const entry of CORPUS) {
    test(`${entry.name}: HTTP ${entry.status}`, async () => {
      const answer = await rawRequest(server.origin, entry.request(session));
      assert.equal(answer.status, entry.status, answer.body.slice(0, 300));
      assert.match(String(answer.headers["content-type"]), /^(application\/json|text\/event-stream)/, "never an HTML page");
      const message = jsonRpcMessage(answer);
      if (entry.error) {
        assert.equal(message.error?.code, entry.error.code, JSON.stringify(message));
        assert.match(message.error?.message ?? "", entry.error.message);
      }
      if (entry.tool) {
        assert.equal(message.result?.isError, true, JSON.stringify(message));
        assert.match(message.result?.content?.[0]?.text ?? "", entry.tool);
      }
      entry.check?.(answer);
      await assertHealthy(entry.name);
    });
  }

  for (const slow of SLOW) {
    test(`${slow.name}: HTTP 408 once the limit passes`, async () => {
      const answer = await stallAfter(server.origin, slow.bytes);
      assert.equal(answer.status, 408, answer.body);
      const message = JSON.parse(answer.body) as { error: { code: number; message: string } };
      assert.equal(message.error.code, -32600);
      assert.match(message.error.message, /Request Timeout: headers must arrive within 400 ms and the whole request within 1200 ms/);
      // Cut off by the limit, not before it (the check runs on an interval, so only a lower bound is asserted).
      assert.ok(answer.elapsedMs >= slow.withinMs * 0.9, `cut off after ${answer.elapsedMs} ms`);
      await assertHealthy(slow.name);
    });
  }
});
