// The built-in authorization server (`auth.mode: builtin`) under `npm run dev:edge -- --auth builtin`:
// the edge is its own issuer, users sign in at a local OpenID Connect provider, and the official SDK
// clients get there from a 401 alone. Also what a bad request gets, the refresh race, and the
// conformance suite's authorization-server scenarios.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { BrowserlessClient, followSignIn, withSignIn } from "../scripts/dev-auth/browserless-client.ts";
import type { ServingProcess } from "../scripts/serving-process.ts";
import { runAuthorizationScenarios } from "./support/conformance.ts";
import { startDevEdge } from "./support/dev-edge.ts";
import { freePort } from "./support/free-port.ts";
import { structured } from "./support/results.ts";

const BUILTIN = ["--auth", "builtin"];
// The deployment scopes note_add; every request needs `mcp`.
const SCOPES = { MCP_OAUTH_SCOPES: "mcp", MCP_OAUTH_TOOL_SCOPES: JSON.stringify({ note_add: ["notes:write"] }) };
// The organization the provider's sign-in names (`org_id`) shares one quota; `echo` gets 3 calls a day.
const QUOTAS = { callsPerMinute: 1000, callsPerDay: 100_000, tenantClaim: "org_id", tools: { echo: { callsPerDay: 3 } } };
const notesOf = (result: unknown) => structured(result).notes.map((note: { text: string }) => note.text);

/** The v2 SDK client pinned to 2026-07-28, signed in as `provider`'s user. */
async function modernClient(url: URL, provider: BrowserlessClient) {
  let session!: { client: ModernClient; transport: ModernTransport };
  await withSignIn(
    provider,
    () => {
      session = { client: new ModernClient({ name: "builtin-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } }), transport: new ModernTransport(url, { authProvider: provider }) };
      return session.client.connect(session.transport);
    },
    (callback) => session.transport.finishAuth(callback),
  );
  return session;
}

/** Registers a public client by RFC 7591, as an SDK client would. */
async function register(origin: string, redirectUri: string): Promise<Response> {
  return fetch(new URL("/register", origin), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "test client", redirect_uris: [redirectUri], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] }),
  });
}

/** A PKCE pair (S256). */
async function pkce() {
  const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const challenge = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))).toString("base64url");
  return { verifier, challenge };
}

/** Signs `user` in for a registered client by hand, up to the code; returns what the token request needs. */
async function codeFor(origin: string, clientId: string, redirectUri: string, user: string) {
  const { verifier, challenge } = await pkce();
  const url = new URL("/authorize", origin);
  url.search = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: "S256", state: "s1", scope: "mcp offline_access", resource: `${origin}/v1/mcp`, login_hint: user }).toString();
  const end = await followSignIn(url, redirectUri);
  assert.ok(end.callback, `no redirect back: ${end.refusal}`);
  return { code: end.callback.get("code")!, verifier };
}

function tokenRequest(origin: string, form: Record<string, string>): Promise<Response> {
  return fetch(new URL("/oauth/token", origin), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });
}

describe("the built-in authorization server under dev:edge --auth builtin", () => {
  let edge: ServingProcess;
  let misconfigured: ServingProcess;
  const dataDir = mkdtempSync(join(tmpdir(), "builtin-auth-"));
  const badDataDir = mkdtempSync(join(tmpdir(), "builtin-auth-bad-"));

  before(async () => {
    // One after the other: two wrangler starts at once can race for a port.
    edge = await startDevEdge(dataDir, { ...SCOPES, MCP_QUOTAS: JSON.stringify(QUOTAS) }, BUILTIN);
    // The Worker holds a secret the provider does not know: a stack whose auth.upstream.clientSecret is wrong.
    misconfigured = await startDevEdge(badDataDir, { ...SCOPES, MCP_AUTH_UPSTREAM_SECRET: "not-the-provider-secret" }, BUILTIN);
  });
  after(async () => {
    await Promise.all([edge?.stop(), misconfigured?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(badDataDir, { recursive: true, force: true });
  });

  test("the resource metadata names the edge's own origin as the authorization server, whose metadata offers registration, CIMD and S256", async () => {
    const prm = await (await fetch(new URL("/.well-known/oauth-protected-resource/v1/mcp", edge.origin))).json();
    assert.deepEqual(prm.authorization_servers, [edge.origin]);
    const metadata = await (await fetch(new URL("/.well-known/oauth-authorization-server", edge.origin))).json();
    assert.equal(metadata.issuer, edge.origin);
    assert.equal(metadata.registration_endpoint, `${edge.origin}/register`);
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
    assert.deepEqual(metadata.protected_resources, [`${edge.origin}/v1/mcp`, `${edge.origin}/v2/mcp`]);
  });

  test("the SDK client registers, signs in through consent and the provider, steps up for a scoped tool, and acts as the signed-in user", async () => {
    const alice = new BrowserlessClient({ user: "alice" });
    const { client, transport } = await modernClient(edge.mcpUrl, alice);
    assert.equal(alice.registration, "dynamic");
    // note_add needs notes:write, which the first sign-in did not ask for: a 403 challenge, then a second sign-in.
    let added: unknown;
    await withSignIn(alice, async () => void (added = await client.callTool({ name: "note_add", arguments: { text: "alice's note" } })), (callback) => transport.finishAuth(callback));
    assert.ok(added);
    assert.deepEqual(notesOf(await client.callTool({ name: "note_list", arguments: {} })), ["alice's note"]);
    assert.equal(alice.authorizations.length, 2);
    assert.match(alice.authorizations[1]!.searchParams.get("scope") ?? "", /notes:write/);

    const bob = new BrowserlessClient({ user: "bob" });
    const { client: bobs } = await modernClient(new URL("/v1/mcp", edge.origin), bob);
    assert.deepEqual(notesOf(await bobs.callTool({ name: "note_list", arguments: {} })), [], "bob sees none of alice's notes");
    await Promise.all([client.close(), bobs.close()]);
  });

  test("the 2025-11-25 SDK client signs in too, and its session acts as the user", async () => {
    const carol = new BrowserlessClient({ user: "carol" });
    let transport!: StreamableHTTPClientTransport;
    const client = new Client({ name: "builtin-legacy", version: "1.0.0" });
    await withSignIn(carol, () => client.connect((transport = new StreamableHTTPClientTransport(new URL("/v2/mcp", edge.origin), { authProvider: carol }))), (callback) => transport.finishAuth(callback.get("code")!));
    const echoed = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    assert.equal((echoed.content as { text: string }[])[0]!.text, "hi");
    await client.close();
  });

  test("the organization the sign-in names is the quotas' tenant: its users share a daily quota, another organization has its own", async () => {
    const echo = async (client: ModernClient) => (await client.callTool({ name: "echo", arguments: { text: "x" } })) as { isError?: boolean; content: { text: string }[] };
    const [ann, ben, cyd] = await Promise.all(["ann@acme", "ben@acme", "cyd@globex"].map((user) => modernClient(edge.mcpUrl, new BrowserlessClient({ user }))));
    for (const client of [ann!.client, ann!.client, ben!.client]) assert.notEqual((await echo(client)).isError, true);
    const spent = await echo(ben!.client);
    assert.equal(spent.isError, true, "acme's three calls are spent, whoever made them");
    assert.match(spent.content[0]!.text, /Daily quota of 3 calls to echo for your organization \(org_id "acme"\) ran out; it resets at/);
    assert.notEqual((await echo(cyd!.client)).isError, true, "globex counts its own");
    await Promise.all([ann, ben, cyd].map((session) => session!.client.close()));
  });

  test("a token for v1 is refused at v2: tokens are bound to one API version's canonical URI", async () => {
    const redirectUri = "http://127.0.0.1:33418/callback";
    const { client_id } = await (await register(edge.origin, redirectUri)).json();
    const { code, verifier } = await codeFor(edge.origin, client_id, redirectUri, "dave");
    const tokens = await (await tokenRequest(edge.origin, { grant_type: "authorization_code", code, code_verifier: verifier, client_id, redirect_uri: redirectUri, resource: `${edge.origin}/v1/mcp` })).json();
    const call = (path: string) =>
      fetch(new URL(path, edge.origin), {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } }),
      });
    assert.notEqual((await call("/v1/mcp")).status, 401);
    const other = await call("/v2/mcp");
    assert.equal(other.status, 401);
    assert.match(other.headers.get("www-authenticate") ?? "", /invalid_token/);
  });

  test("a replayed authorization code is refused, and so is a redirect URI the client did not register", async () => {
    const redirectUri = "http://127.0.0.1:33419/callback";
    const { client_id } = await (await register(edge.origin, redirectUri)).json();
    const { code, verifier } = await codeFor(edge.origin, client_id, redirectUri, "erin");
    const form = { grant_type: "authorization_code", code, code_verifier: verifier, client_id, redirect_uri: redirectUri };
    assert.equal((await tokenRequest(edge.origin, form)).status, 200);
    const replayed = await tokenRequest(edge.origin, form);
    assert.equal(replayed.status, 400);
    assert.equal((await replayed.json()).error, "invalid_grant");

    const elsewhere = new URL("/authorize", edge.origin);
    elsewhere.search = new URLSearchParams({ response_type: "code", client_id, redirect_uri: "https://attacker.example/callback", code_challenge: (await pkce()).challenge, code_challenge_method: "S256", state: "x" }).toString();
    const refused = await fetch(elsewhere, { redirect: "manual" });
    assert.equal(refused.status, 400, "shown to the user, never redirected to an unregistered URI");
    assert.equal(refused.headers.get("location"), null);
    assert.match(await refused.text(), /redirect/i);
  });

  test("a Client ID Metadata Document URL that is not public is refused before anything is fetched", async () => {
    for (const clientId of ["https://127.0.0.1/client.json", "https://10.1.2.3/client.json", "https://[::1]/client.json", "https://metadata.internal/client.json"]) {
      const url = new URL("/authorize", edge.origin);
      url.search = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: "http://127.0.0.1:33418/callback", code_challenge: (await pkce()).challenge, code_challenge_method: "S256", state: "x" }).toString();
      const refused = await fetch(url, { redirect: "manual" });
      assert.equal(refused.status, 400, clientId);
      assert.match(await refused.text(), /is not on the public internet/, clientId);
    }
    const token = await tokenRequest(edge.origin, { grant_type: "authorization_code", code: "x", code_verifier: "y", client_id: "https://192.168.1.1/client.json" });
    assert.equal(token.status, 401);
    assert.equal((await token.json()).error, "invalid_client");
  });

  test("concurrent refreshes with one refresh token all get the same new pair, which keeps working", async () => {
    const redirectUri = "http://127.0.0.1:33420/callback";
    const { client_id } = await (await register(edge.origin, redirectUri)).json();
    const { code, verifier } = await codeFor(edge.origin, client_id, redirectUri, "frank");
    const first = await (await tokenRequest(edge.origin, { grant_type: "authorization_code", code, code_verifier: verifier, client_id, redirect_uri: redirectUri })).json();
    assert.ok(first.refresh_token, "a refresh token was issued");
    const answers = await Promise.all(Array.from({ length: 8 }, () => tokenRequest(edge.origin, { grant_type: "refresh_token", refresh_token: first.refresh_token, client_id })));
    const bodies = await Promise.all(answers.map((answer) => answer.json()));
    assert.deepEqual(answers.map((answer) => answer.status), Array(8).fill(200), JSON.stringify(bodies));
    assert.equal(new Set(bodies.map((body) => body.refresh_token)).size, 1, "every caller holds the same, current, refresh token");
    const next = await tokenRequest(edge.origin, { grant_type: "refresh_token", refresh_token: bodies[0].refresh_token, client_id });
    assert.equal(next.status, 200, await next.clone().text());
  });

  test("a wrong upstream client secret ends the sign-in with one clear page, no stack trace", async () => {
    const redirectUri = "http://127.0.0.1:33421/callback";
    const { client_id } = await (await register(misconfigured.origin, redirectUri)).json();
    const { challenge } = await pkce();
    const url = new URL("/authorize", misconfigured.origin);
    url.search = new URLSearchParams({ response_type: "code", client_id, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: "S256", state: "s", login_hint: "gina", resource: `${misconfigured.origin}/v1/mcp` }).toString();
    const end = await followSignIn(url, redirectUri);
    assert.equal(end.callback, undefined);
    assert.equal(end.status, 502);
    assert.match(end.refusal!, /refused this server's client credentials \(invalid_client/);
    assert.doesNotMatch(end.refusal!, /at .*\.(ts|js):\d+|Error:/, "no stack trace");
  });

  test("/register answers 429 with Retry-After past 10 registrations a minute from one address", async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 12 && limited === undefined; i++) {
      const answer = await register(misconfigured.origin, "http://127.0.0.1:33422/callback");
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    assert.ok(limited, `no 429 in ${statuses.join(", ")}`);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.match((await limited.json()).error_description, /At most 10 client registrations per minute/);
    assert.ok(statuses.filter((status) => status === 201).length <= 10);
  });

  test("the conformance suite's authorization-server scenarios pass against it", async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const { client_id } = await (await register(edge.origin, redirectUri)).json();
    const outcomes = await runAuthorizationScenarios({
      issuer: edge.origin,
      clientId: client_id,
      resource: `${edge.origin}/v1/mcp`,
      port,
      // The browser's part: consent, the provider, and the redirect delivered to the CLI's callback.
      open: async (url) => {
        url.searchParams.set("login_hint", "conformance");
        const end = await followSignIn(url, redirectUri);
        assert.ok(end.callback, `no redirect back: ${end.refusal}`);
        await fetch(`${redirectUri}?${end.callback}`);
      },
    });
    assert.deepEqual(outcomes.map((outcome) => outcome.scenario).sort(), ["authorization-code-grant", "authorization-server-metadata-endpoint"]);
    for (const outcome of outcomes) {
      assert.ok(outcome.checks > 0, outcome.scenario);
      assert.deepEqual([...outcome.failed, ...outcome.warned], [], outcome.scenario);
    }
  });
});
