// What a bad access token gets, on both runtimes: 401 with a challenge that says what was wrong,
// 400 for a token in the query string, and 503 (never a pass) when the issuer cannot vouch for any.
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { importJWK, SignJWT } from "jose";
import { startDevAuthorizationServer, type DevAuthorizationServer } from "../scripts/dev-auth/authorization-server.ts";
import { closedPort, RUNTIMES, signToken, startUnusableIssuer, type Served } from "./support/oauth.ts";

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const LIST = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

/** A bad token and what it must get. */
interface Case {
  name: string;
  token: (auth: DevAuthorizationServer, served: Served) => Promise<string>;
  description: RegExp;
}

const CASES: Case[] = [
  {
    name: "a token for another server",
    token: (auth) => signToken(auth, { sub: "alice", aud: "https://other.example/v1/mcp" }),
    description: /not issued for this resource \(expected audience http:\/\/127\.0\.0\.1:\d+\/v1\/mcp\)/,
  },
  {
    name: "a token for another API version of this server",
    token: (auth, served) => signToken(auth, { sub: "alice", aud: served.endpoint("v2").href }),
    description: /not issued for this resource/,
  },
  { name: "an expired token", token: (auth, served) => signToken(auth, { sub: "alice", aud: served.endpoint("v1").href, iat: now() - 3600, exp: now() - 120 }), description: /has expired/ },
  { name: "a token not valid yet", token: (auth, served) => signToken(auth, { sub: "alice", aud: served.endpoint("v1").href, nbf: now() + 300 }), description: /not valid yet/ },
  {
    name: "a token from another issuer, signed with the right key",
    token: (auth, served) => signToken(auth, { sub: "alice", aud: served.endpoint("v1").href, iss: "https://evil.example/" }),
    description: /not issued by this server's authorization server/,
  },
  {
    name: "a token signed with a key the issuer does not publish",
    async token(auth, served) {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      return new SignJWT({ iss: auth.issuer, sub: "alice", aud: served.endpoint("v1").href, exp: now() + 600 })
        .setProtectedHeader({ alg: "RS256", kid: "not-published" })
        .sign(privateKey);
    },
    description: /signed with a key the authorization server does not publish/,
  },
  {
    name: "alg none",
    token: async (auth, served) =>
      `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify({ iss: auth.issuer, sub: "alice", aud: served.endpoint("v1").href, exp: now() + 600 }))}.`,
    description: /signing algorithm is not accepted/,
  },
  {
    // The classic confusion: the issuer's public key, which anyone can read, used as an HMAC secret.
    name: "HS256 signed with the issuer's public key",
    async token(auth, served) {
      const jwk = auth.keys.toJSON()[0]!;
      const publicPem = (await importJWK(jwk, jwk.alg, { extractable: true })) as CryptoKey;
      const spki = Buffer.from(await crypto.subtle.exportKey("spki", publicPem));
      const signingInput = `${base64url(JSON.stringify({ alg: "HS256", kid: jwk.kid }))}.${base64url(JSON.stringify({ iss: auth.issuer, sub: "alice", aud: served.endpoint("v1").href, exp: now() + 600 }))}`;
      return `${signingInput}.${createHmac("sha256", spki).update(signingInput).digest("base64url")}`;
    },
    description: /signing algorithm is not accepted/,
  },
  { name: "a malformed JWT", token: async () => "not-a.jwt", description: /not a well-formed JWT/ },
  { name: "a token without a subject", token: (auth, served) => signToken(auth, { aud: served.endpoint("v1").href }), description: /sub claim is missing or invalid/ },
];

async function post(url: URL, token: string | undefined, body = LIST) {
  const response = await fetch(url, { method: "POST", headers: { ...HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
  return { status: response.status, challenge: response.headers.get("www-authenticate") ?? "", retryAfter: response.headers.get("retry-after"), body: await response.text() };
}

for (const runtime of RUNTIMES) {
  describe(`bad tokens at the ${runtime.name} runtime`, () => {
    let auth: DevAuthorizationServer;
    let served: Served;
    before(async () => {
      auth = await startDevAuthorizationServer();
      served = await runtime.start({ MCP_OAUTH_ISSUER: auth.issuer });
    });
    after(async () => {
      await served?.stop();
      await auth?.stop();
    });

    for (const bad of CASES) {
      test(`${bad.name} gets 401 invalid_token saying so`, async () => {
        const answer = await post(served.endpoint("v1"), await bad.token(auth, served), INITIALIZE);
        assert.equal(answer.status, 401, answer.body);
        assert.match(answer.challenge, /^Bearer error="invalid_token"/);
        assert.match(answer.challenge, bad.description);
        assert.ok(answer.challenge.includes(`resource_metadata="${served.origin}/.well-known/oauth-protected-resource/v1/mcp"`), answer.challenge);
        assert.match(JSON.parse(answer.body).error_description, bad.description);
      });
    }

    test("a token in the query string gets 400, even a good one, and even beside a good header", async () => {
      const good = await signToken(auth, { sub: "alice", aud: served.endpoint("v1").href });
      const inQuery = new URL(`?access_token=${good}`, served.endpoint("v1"));
      for (const header of [undefined, good]) {
        const answer = await post(inQuery, header, INITIALIZE);
        assert.equal(answer.status, 400);
        assert.equal(JSON.parse(answer.body).error, "invalid_request");
        assert.match(JSON.parse(answer.body).error_description, /only in the Authorization header, never in the query string/);
      }
      // The same token in its place is accepted: the refusals above are about where it was, not what it was.
      assert.equal((await post(served.endpoint("v1"), good, INITIALIZE)).status, 200);
    });
  });

  describe(`an issuer that cannot vouch for tokens, at the ${runtime.name} runtime`, () => {
    test("an issuer that is down: 503 with Retry-After, never a pass", async () => {
      const down = `http://127.0.0.1:${await closedPort()}`;
      const served = await runtime.start({ MCP_OAUTH_ISSUER: down });
      try {
        const auth = await startDevAuthorizationServer();
        // Well signed, by an issuer whose keys this server cannot fetch to check it.
        const token = await new SignJWT({ iss: down, sub: "alice", aud: served.endpoint("v1").href, exp: now() + 600 })
          .setProtectedHeader({ alg: "RS256", kid: auth.keys.toJSON()[0]!.kid })
          .sign(await importJWK(auth.keys.toJSON(true)[0]!, "RS256"));
        await auth.stop();
        for (let attempt = 0; attempt < 2; attempt++) {
          const answer = await post(served.endpoint("v1"), token, INITIALIZE);
          assert.equal(answer.status, 503, answer.body);
          assert.equal(answer.retryAfter, "5");
          assert.match(JSON.parse(answer.body).error.message, /access tokens cannot be checked right now \(.*did not answer/);
        }
        // Clients can still find out where to sign in.
        assert.equal((await fetch(new URL("/.well-known/oauth-protected-resource/v1/mcp", served.origin))).status, 200);
      } finally {
        await served.stop();
      }
    });

    test("an issuer whose JWKS holds no usable key: 503 naming it", async () => {
      const unusable = await startUnusableIssuer();
      const served = await runtime.start({ MCP_OAUTH_ISSUER: unusable.issuer });
      try {
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
        const token = await new SignJWT({ iss: unusable.issuer, sub: "alice", aud: served.endpoint("v1").href, exp: now() + 600 })
          .setProtectedHeader({ alg: "RS256", kid: "enc" })
          .sign(privateKey);
        const answer = await post(served.endpoint("v1"), token, INITIALIZE);
        assert.equal(answer.status, 503, answer.body);
        assert.match(JSON.parse(answer.body).error.message, /holds no key that can verify a token/);
      } finally {
        await served.stop();
        await unusable.stop();
      }
    });
  });
}
