// Sizes and time: oversized headers and URLs, bodies that never end, JSON nested without end.
import { AUTH, call, initialize, inSession, JSON_POST, post, rawPost, type Case, type Target } from "./shape.ts";

const tooLargeHead = { status: 431, error: { code: -32600, message: /Request Header Fields Too Large: the URL and headers are over 16384 bytes/ } };

/** The head of a POST to /v1/mcp, with its own framing headers. */
const head = (t: Target, framing: string) =>
  `POST /v1/mcp HTTP/1.1\r\nHost: ${t.host}\r\nauthorization: ${AUTH.authorization}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\n${framing}\r\n`;

const timedOut = {
  status: 408,
  error: { code: -32600, message: /Request Timeout/ },
  notBeforeMs: (t: Target) => t.requestTimeoutMs * 0.9,
};

/** `depth` arrays inside one another. */
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

export const SIZES: Case[] = [
  { name: "one 20 KB header", send: () => ({ method: "GET", path: "/healthz", headers: { "x-padding": "a".repeat(20_000) } }), expect: tooLargeHead },
  { name: "200 headers of 100 bytes", send: () => ({ method: "GET", path: "/healthz", headers: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, "b".repeat(100)])) }), expect: tooLargeHead },
  { name: "a 20 KB URL", send: () => ({ method: "GET", path: `/v1/mcp?q=${"a".repeat(20_000)}`, headers: AUTH }), expect: tooLargeHead },
  {
    name: "a 100 KB URL",
    send: () => ({ method: "GET", path: `/v1/mcp?q=${"a".repeat(100_000)}`, headers: AUTH }),
    expect: tooLargeHead,
    // workerd's HTTP server refuses it before the Worker sees it; Cloudflare's limit is 16 KB (414).
    on: { edge: { status: 414, platform: true, error: undefined } },
  },
  { name: "a 4 MiB tool argument, just under the body limit", send: (t) => inSession(t, call("echo", { text: "y".repeat(4 * 1024 * 1024 - 200) })), expect: { status: 200, tool: /Too big: expected string to have <=100000 characters/ } },
];

export const SLOW_BODIES: Case[] = [
  {
    name: "headers that never finish",
    send: (t) => ({ bytes: `POST /v1/mcp HTTP/1.1\r\nHost: ${t.host}\r\ncontent-type: application/json\r\n` }),
    expect: { ...timedOut, error: { code: -32600, message: /Request Timeout: headers must arrive within/ }, notBeforeMs: (t) => t.headersTimeoutMs * 0.9 },
    on: { edge: { skip: "workerd reads headers itself, without a deadline, before any Worker runs; Cloudflare documents none for its front line either" } },
  },
  { name: "a body that stops halfway", send: (t) => ({ bytes: `${head(t, "content-length: 200\r\n")}{"jsonrpc":"2.0","id":1,` }), expect: timedOut },
  { name: "a chunked body that never ends", send: (t) => ({ bytes: `${head(t, "transfer-encoding: chunked\r\n")}5\r\n{"jso\r\n` }), expect: timedOut },
  {
    name: "a body at one byte every 100 ms",
    send: (t) => {
      const body = JSON.stringify(initialize());
      return { head: head(t, `content-length: ${body.length}\r\n`), trickle: body, intervalMs: 100 };
    },
    expect: timedOut,
  },
];

export const DEEP_JSON: Case[] = [
  { name: "100,000 arrays inside one another", send: () => post(nested(100_000)), expect: { status: 400, error: { code: -32700, message: /Parse error: JSON nested deeper than 64 levels/ } } },
  { name: "100,000 objects inside one another", send: () => post('{"a":'.repeat(100_000) + "1" + "}".repeat(100_000)), expect: { status: 400, error: { code: -32700, message: /nested deeper than 64 levels/ } } },
  { name: "tool arguments nested 65 levels deep", send: (t) => inSession(t, call("echo", { text: "x", deep: JSON.parse(nested(62)) })), expect: { status: 400, error: { code: -32700, message: /nested deeper than 64 levels/ } } },
  { name: "tool arguments nested 50 levels deep (within the limit)", send: (t) => inSession(t, call("echo", { text: "within", deep: JSON.parse(nested(50)) })), expect: { status: 200 } },
  { name: "brackets inside a string do not count", send: (t) => inSession(t, call("echo", { text: "[".repeat(10_000) })), expect: { status: 200 } },
  { name: "a deep body that is also truncated", send: (t) => rawPost(t, "[".repeat(70)), expect: { status: 400, error: { code: -32700, message: /nested deeper than 64 levels/ } } },
  { name: "JSON-RPC headers with a deep body in a session", send: (t) => post(nested(1000), { ...JSON_POST, ...t.session }), expect: { status: 400, error: { code: -32700, message: /nested deeper/ } } },
];
