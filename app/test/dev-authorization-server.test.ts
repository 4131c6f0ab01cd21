// The development authorization server checks what the MCP flow relies on: the client, its
// redirect URI, PKCE; and issues tokens for the resource, user and scope of the request.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { decodeJwt } from "jose";
import type { DevAuthorizationServer } from "../scripts/dev-auth/authorization-server.ts";
import { startAuthorizationWithDocuments, type DocumentHost } from "./support/oauth.ts";

const REDIRECT = "http://127.0.0.1:33418/callback";
const RESOURCE = "http://127.0.0.1:8787/v1/mcp";

let auth: DevAuthorizationServer;
let documents: DocumentHost;
let registered: string;
before(async () => {
  ({ auth, documents } = await startAuthorizationWithDocuments());
  const registration = await fetch(`${auth.issuer}/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ redirect_uris: [REDIRECT], client_name: "test" }) });
  assert.equal(registration.status, 201);
  registered = ((await registration.json()) as { client_id: string }).client_id;
});
after(async () => {
  await auth.stop();
  await documents.stop();
});

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

async function authorize(params: Record<string, string>) {
  const url = new URL(`${auth.issuer}/authorize`);
  for (const [name, value] of Object.entries({ response_type: "code", redirect_uri: REDIRECT, ...params })) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: "manual" });
  return { status: response.status, location: response.headers.get("location"), text: await response.text() };
}

async function token(body: Record<string, string>) {
  const response = await fetch(`${auth.issuer}/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(body) });
  return (await response.json()) as { access_token: string; refresh_token?: string; scope: string };
}

test("an authorization request is refused to the user, never redirected, for a client or redirect URI it cannot vouch for, or without PKCE", async () => {
  const { challenge } = pkce();
  const withPkce = { code_challenge: challenge, code_challenge_method: "S256" };
  const liar = documents.serve("/liar.json", { client_id: "https://elsewhere.example/client.json", redirect_uris: [REDIRECT] });
  const cases: [Record<string, string>, RegExp][] = [
    [{ client_id: "never-registered", ...withPkce }, /unknown client_id never-registered/],
    [{ client_id: registered, redirect_uri: "http://127.0.0.1:9/steal", ...withPkce }, /redirect_uri http:\/\/127.0.0.1:9\/steal is not one of/],
    [{ client_id: liar, ...withPkce }, /names client_id "https:\/\/elsewhere.example\/client.json"/],
    [{ client_id: `${documents.origin}/missing.json`, ...withPkce }, /answered 404/],
    [{ client_id: registered }, /code_challenge with code_challenge_method=S256 is required/],
    [{ client_id: registered, code_challenge: challenge, code_challenge_method: "plain" }, /S256 is required/],
  ];
  for (const [params, message] of cases) {
    const answer = await authorize(params);
    assert.equal(answer.status, 400, JSON.stringify(params));
    assert.equal(answer.location, null);
    assert.match(answer.text, message);
  }
});

test("the token is for the resource asked, as the user named, with the scope asked; a refresh token only with offline_access", async () => {
  const grantFor = async (scope: string) => {
    const { verifier, challenge } = pkce();
    const answer = await authorize({ client_id: registered, code_challenge: challenge, code_challenge_method: "S256", scope, resource: RESOURCE, login_hint: "alice", state: "s1" });
    assert.equal(answer.status, 302, answer.text);
    const callback = new URL(answer.location!).searchParams;
    assert.equal(callback.get("iss"), auth.issuer, "RFC 9207");
    assert.equal(callback.get("state"), "s1");
    return token({ grant_type: "authorization_code", code: callback.get("code")!, code_verifier: verifier, client_id: registered, redirect_uri: REDIRECT, resource: RESOURCE });
  };
  const plain = await grantFor("mcp");
  assert.equal(plain.refresh_token, undefined);
  const claims = decodeJwt(plain.access_token);
  assert.deepEqual([claims.iss, claims.sub, claims.aud, claims.scope, claims.client_id], [auth.issuer, "alice", RESOURCE, "mcp", registered]);

  const offline = await grantFor("mcp offline_access");
  assert.ok(offline.refresh_token);
  const refreshed = await token({ grant_type: "refresh_token", refresh_token: offline.refresh_token, client_id: registered, resource: RESOURCE });
  const again = decodeJwt(refreshed.access_token);
  assert.deepEqual([again.sub, again.aud, again.scope], ["alice", RESOURCE, "mcp offline_access"]);
});
