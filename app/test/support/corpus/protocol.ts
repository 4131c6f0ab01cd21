// Careless clients: malformed JSON, batches, media types, protocol versions, session ids, tokens, sizes, arguments, tools, methods.
import assert from "node:assert/strict";
import { AUTH, BOB_AUTH, call, inSession, initialize, JSON_POST, modernCall, modernHeaders, MODERN_META, post, type Case } from "./shape.ts";

const MIB = 1024 * 1024;
const UNKNOWN_SESSION = "00000000-0000-4000-8000-000000000000";

const unauthorized = (name: string, authorization: string | undefined): Case => ({
  name,
  send: () => {
    const { authorization: _, ...headers } = JSON_POST;
    return post(initialize(), authorization === undefined ? headers : { ...headers, authorization });
  },
  expect: {
    status: 401,
    error: { code: -32600, message: /Unauthorized: a valid bearer token is required/ },
    check: (answer) => assert.match(String(answer.headers["www-authenticate"]), /^Bearer realm="mcp"/),
  },
});

export const PROTOCOL: Case[] = [
  // Malformed JSON
  { name: "a body that is not JSON", send: () => post("{not json"), expect: { status: 400, error: { code: -32700, message: /Parse error: the body is not valid JSON/ } } },
  { name: "an empty body", send: () => post(""), expect: { status: 400, error: { code: -32700, message: /Parse error/ } } },
  { name: "truncated JSON", send: () => post('{"jsonrpc":"2.0","id":1,'), expect: { status: 400, error: { code: -32700, message: /Parse error/ } } },
  { name: "a JSON scalar", send: () => post("42"), expect: { status: 400, error: { code: -32600, message: /expected a JSON-RPC message object/ } } },
  { name: "JSON null", send: () => post("null"), expect: { status: 400, error: { code: -32600, message: /expected a JSON-RPC message object/ } } },
  { name: "an object without jsonrpc", send: (t) => inSession(t, { id: 1, method: "tools/list" }), expect: { status: 400, error: { code: -32600, message: /not a valid JSON-RPC message/ } } },
  { name: "an object without method or result", send: (t) => inSession(t, { jsonrpc: "2.0", id: 1 }), expect: { status: 400, error: { code: -32600, message: /not a valid JSON-RPC message/ } } },
  // JSON-RPC batches (removed in 2025-06-18)
  { name: "a batch holding an initialize", send: () => post([initialize()]), expect: { status: 400, error: { code: -32600, message: /batches are not supported \(removed in protocol 2025-06-18\)/ } } },
  { name: "an empty batch", send: () => post([]), expect: { status: 400, error: { code: -32600, message: /batches are not supported/ } } },
  { name: "a batch of tool calls in a session", send: (t) => inSession(t, [call("echo", { text: "a" }), call("echo", { text: "b" })]), expect: { status: 400, error: { code: -32600, message: /batches are not supported/ } } },
  // Accept and Content-Type
  { name: "Content-Type text/plain", send: () => post(initialize(), { ...JSON_POST, "content-type": "text/plain" }), expect: { status: 415, error: { code: -32600, message: /Content-Type must be application\/json/ } } },
  { name: "no Content-Type", send: () => post(initialize(), { ...AUTH, accept: "application/json, text/event-stream" }), expect: { status: 415, error: { code: -32600, message: /Content-Type must be application\/json/ } } },
  { name: "a form Content-Type", send: () => post("a=1", { ...JSON_POST, "content-type": "application/x-www-form-urlencoded" }), expect: { status: 415, error: { code: -32600, message: /Unsupported Media Type/ } } },
  { name: "Accept text/html", send: (t) => inSession(t, call("echo", { text: "x" }), { accept: "text/html" }), expect: { status: 406, error: { code: -32000, message: /Not Acceptable: Client must accept both application\/json and text\/event-stream/ } } },
  { name: "Accept without text/event-stream in a session", send: (t) => inSession(t, call("echo", { text: "x" }), { accept: "application/json" }), expect: { status: 406, error: { code: -32000, message: /Not Acceptable/ } } },
  // Protocol version
  { name: "an unsupported protocol version in a session", send: (t) => inSession(t, call("echo", { text: "x" }), { "mcp-protocol-version": "1999-01-01" }), expect: { status: 400, error: { code: -32000, message: /Unsupported protocol version/ } } },
  { name: "an unsupported 2026-era protocol version", send: () => post(modernCall("echo", { text: "x" }, { ...MODERN_META, "io.modelcontextprotocol/protocolVersion": "2099-01-01" }), modernHeaders("echo", "2099-01-01")), expect: { status: 400, error: { code: -32022, message: /Unsupported protocol version: 2099-01-01/ } } },
  { name: "a 2026-era call missing its protocol envelope", send: () => post({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } }, modernHeaders("echo")), expect: { status: 400, error: { code: -32602, message: /missing the required per-request envelope key\(s\): _meta/ } } },
  { name: "a version header that disagrees with the body", send: () => post(modernCall("echo", { text: "x" }), modernHeaders("echo", "2025-11-25")), expect: { status: 400, error: { code: -32020, message: /headers and body disagree/ } } },
  { name: "an Mcp-Name header that disagrees with the body", send: () => post(modernCall("echo", { text: "x" }), modernHeaders("note_add")), expect: { status: 400, error: { code: -32020, message: /Mcp-Name header names "note_add"/ } } },
  { name: "initialize with params {} outside a session", send: () => post({ jsonrpc: "2.0", id: 3, method: "initialize", params: {} }), expect: { status: 400, error: { code: -32602, message: /Invalid params: initialize needs params\.protocolVersion .*params\.protocolVersion: / } } },
  { name: "initialize with params {} inside a session", send: (t) => inSession(t, { jsonrpc: "2.0", id: 3, method: "initialize", params: {} }), expect: { status: 400, error: { code: -32602, message: /Invalid params: initialize needs/ }, check: (answer) => assert.doesNotMatch(answer.body, /ZodError|"expected":/) } },
  // Session id
  { name: "a tool call without a session id", send: () => post(call("echo", { text: "x" })), expect: { status: 400, error: { code: -32600, message: /Mcp-Session-Id header is required/ } } },
  { name: "an unknown session id", send: () => post(call("echo", { text: "x" }), { ...JSON_POST, "mcp-session-id": UNKNOWN_SESSION, "mcp-protocol-version": "2025-11-25" }), expect: { status: 404, error: { code: -32600, message: /Session not found/ } } },
  { name: "a session id that is not a UUID", send: () => post(call("echo", { text: "x" }), { ...JSON_POST, "mcp-session-id": "../../etc/passwd", "mcp-protocol-version": "2025-11-25" }), expect: { status: 404, error: { code: -32600, message: /Session not found/ } } },
  { name: "a GET stream without a session id", send: () => ({ method: "GET", headers: { ...AUTH, accept: "text/event-stream" } }), expect: { status: 400, error: { code: -32600, message: /Mcp-Session-Id header is required/ } } },
  { name: "a DELETE of an unknown session", send: () => ({ method: "DELETE", headers: { ...AUTH, "mcp-session-id": UNKNOWN_SESSION, "mcp-protocol-version": "2025-11-25" } }), expect: { status: 404, error: { code: -32600, message: /Session not found/ } } },
  // Tokens
  unauthorized("no Authorization header", undefined),
  unauthorized("a wrong bearer token", "Bearer nope-nope-nope-nope-nope"),
  unauthorized("an empty bearer token", "Bearer "),
  unauthorized("the token under the Basic scheme", `Basic ${AUTH.authorization.slice("Bearer ".length)}`),
  unauthorized("two tokens in one Authorization header", `${AUTH.authorization}, ${BOB_AUTH.authorization}`),
  unauthorized("a token followed by more words", `${AUTH.authorization} please`),
  // Oversize bodies
  { name: "a declared body over 4 MiB", send: () => post(JSON.stringify({ ...initialize(), padding: "x".repeat(4 * MIB) })), expect: { status: 413, error: { code: -32600, message: /Payload too large: the limit is 4194304 bytes/ } } },
  { name: "a streamed (chunked) body over 4 MiB", send: () => ({ ...post(JSON.stringify({ ...initialize(), padding: "x".repeat(4 * MIB) })), chunked: true }), expect: { status: 413, error: { code: -32600, message: /Payload too large/ } } },
  // Invalid tool arguments
  { name: "a number where note_add wants text", send: (t) => inSession(t, call("note_add", { text: 42 })), expect: { status: 200, tool: /Invalid arguments for tool note_add: text: Invalid input: expected string, received number/ } },
  { name: "note_add without its text", send: (t) => inSession(t, call("note_add", {})), expect: { status: 200, tool: /Invalid arguments for tool note_add: text/ } },
  { name: "echo text over its 100,000-character limit", send: (t) => inSession(t, call("echo", { text: "x".repeat(100_001) })), expect: { status: 200, tool: /Too big: expected string to have <=100000 characters/ } },
  { name: "invalid arguments in the 2026 era", send: () => post(modernCall("note_add", { text: 42 }), modernHeaders("note_add")), expect: { status: 200, tool: /Invalid arguments for tool note_add/ } },
  // Unknown tools
  { name: "an unknown tool in a session", send: (t) => inSession(t, call("no_such_tool", {})), expect: { status: 200, error: { code: -32602, message: /Tool no_such_tool not found/ } } },
  { name: "an unknown tool in the 2026 era", send: () => post(modernCall("no_such_tool", {}), modernHeaders("no_such_tool")), expect: { status: 200, error: { code: -32602, message: /Tool no_such_tool not found/ } } },
  // Methods and paths
  {
    name: "PUT",
    send: () => ({ method: "PUT", headers: AUTH }),
    expect: { status: 405, error: { code: -32600, message: /Method PUT is not allowed/ }, check: (answer) => assert.equal(answer.headers.allow, "GET, POST, DELETE, OPTIONS") },
  },
  { name: "TRACE", send: () => ({ method: "TRACE", headers: AUTH }), expect: { status: 405, error: { code: -32600, message: /Method TRACE is not allowed/ } } },
  { name: "a path that serves nothing", send: () => ({ method: "GET", path: "/v9/mcp", headers: AUTH }), expect: { status: 404, error: { code: -32600, message: /MCP is served at \/v1\/mcp/ } } },
];
