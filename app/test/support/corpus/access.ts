// Who may call: one principal's token with another's session, and Host and Origin variants (DNS rebinding, CORS).
import assert from "node:assert/strict";
import { ALLOWED_ORIGIN, AUTH, BOB, BOB_AUTH, call, initialize, JSON_POST, modernCall, modernHeaders, post, rawPost, type Case, type Target } from "./shape.ts";

const bobsSession = (t: Target) => ({ ...t.bobSession });

const UNPARSABLE_ON_WORKERD = "Miniflare's entry worker answers 500 for a Host that makes no URL, before any Worker runs";

export const PRINCIPALS: Case[] = [
  { name: "Alice's token with Bob's session id", send: (t) => post(call("note_list", {}), { ...JSON_POST, ...bobsSession(t) }), expect: { status: 404, error: { code: -32600, message: /Session not found/ } } },
  { name: "Alice's GET stream on Bob's session", send: (t) => ({ method: "GET", headers: { ...AUTH, accept: "text/event-stream", ...bobsSession(t) } }), expect: { status: 404, error: { code: -32600, message: /Session not found/ } } },
  { name: "Alice's DELETE of Bob's session", send: (t) => ({ method: "DELETE", headers: { ...AUTH, ...bobsSession(t) } }), expect: { status: 404, error: { code: -32600, message: /Session not found/ } } },
  { name: "Bob's session still answers Bob after Alice's attempts", send: (t) => post(call("echo", { text: "bob's" }), { ...JSON_POST, ...BOB_AUTH, ...bobsSession(t) }), expect: { status: 200, check: (answer) => assert.match(answer.body, /bob's/) } },
  {
    name: "without sessions, Bob's scratchpad holds none of Alice's notes",
    send: () => post(modernCall("note_list", {}), modernHeaders("note_list", "2026-07-28", BOB_AUTH)),
    expect: { status: 200, check: (answer) => assert.doesNotMatch(answer.body, /alice/i) },
  },
  { name: "the token in the query string instead of the header", send: () => ({ path: `/v1/mcp?access_token=${BOB}`, body: JSON.stringify(initialize()), headers: { "content-type": "application/json", accept: "application/json, text/event-stream" } }), expect: { status: 401, error: { code: -32600, message: /Unauthorized/ } } },
];

const refusedHost = (host: string): Case => ({
  name: `Host ${host}`,
  send: (t) => rawPost(t, JSON.stringify(initialize()), {}, { host }),
  expect: { status: 403, error: { code: -32000, message: new RegExp(`Invalid Host: .* is not served here`) } },
});

const malformedHost = (host: string): Case => ({
  name: `Host ${host} (malformed)`,
  send: (t) => rawPost(t, JSON.stringify(initialize()), {}, { host: host.replace("PORT", t.host.split(":")[1]!) }),
  expect: { status: 400, error: { code: -32600, message: /Bad Request: the Host header .* must be a host name or IP address/ } },
});

const acceptedHost = (name: string, host: (port: string) => string): Case => ({
  name,
  send: (t) => rawPost(t, JSON.stringify(initialize()), {}, { host: host(t.host.split(":")[1]!) }),
  expect: { status: 200 },
});

const origin = (value: string, status: number): Case => ({
  name: `Origin ${value}`,
  send: () => post(initialize(), { ...JSON_POST, origin: value }),
  expect: status === 403 ? { status, error: { code: -32600, message: /Forbidden: origin .* is not allowed/ } } : { status },
});

export const HOSTS_AND_ORIGINS: Case[] = [
  refusedHost("attacker.example"),
  refusedHost("localhost."),
  refusedHost("localhost.attacker.example"),
  refusedHost("127.0.0.1.nip.io"),
  refusedHost("[::ffff:127.0.0.1]"),
  refusedHost("127.0.0.2"),
  acceptedHost("Host LOCALHOST:<port> (upper case)", (port) => `LOCALHOST:${port}`),
  acceptedHost("Host [::1]:<port> (IPv6 loopback)", (port) => `[::1]:${port}`),
  acceptedHost("Host 127.0.0.1 without a port", () => "127.0.0.1"),
  malformedHost("127.0.0.1:PORT/tools/echo#"),
  malformedHost("user@localhost:PORT"),
  // Hosts that do not even make a URL: locally, Miniflare's entry worker fails on them and answers 500 before any
  // Worker runs (a one-line Worker too); Cloudflare's edge routes by Host and never delivers one to a Worker.
  { ...malformedHost("localhost:99999"), on: { edge: { skip: UNPARSABLE_ON_WORKERD } } },
  { ...malformedHost("[::1"), on: { edge: { skip: UNPARSABLE_ON_WORKERD } } },
  {
    name: "no Host at all (HTTP/1.0)",
    send: (t) => ({ bytes: `POST /v1/mcp HTTP/1.0\r\ncontent-type: application/json\r\nauthorization: ${AUTH.authorization}\r\ncontent-length: ${JSON.stringify(initialize()).length}\r\n\r\n${JSON.stringify(initialize())}` }),
    expect: { status: 400, error: { code: -32600, message: /the Host header \(missing\)/ } },
    on: { edge: { platform: true, error: undefined } },
  },
  {
    name: "an absolute-form target naming a foreign host",
    send: (t) => rawPost(t, JSON.stringify(initialize()), {}, { target: "http://attacker.example/v1/mcp" }),
    expect: { status: 403, error: { code: -32000, message: /Invalid Host: attacker\.example/ } },
    // workerd checks the Host header and ignores the target's authority (RFC 9112 §3.2.2 says the reverse);
    // the Host is ours, so nothing is rebound: browsers never send this form, proxies do.
    on: { edge: { status: 200, error: undefined } },
  },
  { name: "an absolute-form target naming this server", send: (t) => rawPost(t, JSON.stringify(initialize()), {}, { target: `http://${t.host}/v1/mcp` }), expect: { status: 200 } },
  origin("https://evil.example", 403),
  origin("null", 403),
  origin(`${ALLOWED_ORIGIN}:8443`, 403),
  origin(`${ALLOWED_ORIGIN}.attacker.example`, 403),
  origin(ALLOWED_ORIGIN.toUpperCase(), 403),
  origin("http://localhost:3000", 403),
  {
    name: "an allowed Origin gets CORS headers",
    send: () => post(initialize(), { ...JSON_POST, origin: ALLOWED_ORIGIN }),
    expect: { status: 200, check: (answer) => assert.equal(answer.headers["access-control-allow-origin"], ALLOWED_ORIGIN) },
  },
  {
    name: "a CORS preflight from an allowed Origin, without credentials",
    send: () => ({ method: "OPTIONS", headers: { origin: ALLOWED_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, mcp-session-id" } }),
    expect: {
      status: 204,
      check: (answer) => {
        assert.equal(answer.headers["access-control-allow-origin"], ALLOWED_ORIGIN);
        assert.match(String(answer.headers["access-control-allow-headers"]), /authorization/);
      },
    },
  },
  {
    name: "a CORS preflight from a foreign Origin",
    send: () => ({ method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } }),
    expect: { status: 403, error: { code: -32600, message: /origin https:\/\/evil\.example is not allowed/ } },
  },
];
