import assert from "node:assert/strict";
import { after, before, mock, test } from "node:test";
import { errors } from "jose";
import { startDevAuthorizationServer, type DevAuthorizationServer } from "../../scripts/dev-auth/authorization-server.ts";
import { closedPort } from "../../test/support/oauth.ts";
import { IssuerKeys, IssuerUnavailable, metadataUrls } from "./issuer-keys.ts";

let auth: DevAuthorizationServer;
before(async () => {
  auth = await startDevAuthorizationServer();
});
after(() => auth.stop());

/** fetch that remembers what was asked and answered. */
function recordingFetch() {
  const seen: string[] = [];
  const fetcher: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    seen.push(`${new URL(input instanceof Request ? input.url : input).pathname} ${response.status}`);
    return response;
  };
  return { seen, fetcher, jwksFetches: () => seen.filter((line) => line.startsWith("/jwks")).length };
}

const header = (kid: string) => ({ alg: "RS256", kid });
const NO_TOKEN = { payload: "", signature: "" };

test("metadata is looked for where the MCP spec says, in its order", () => {
  assert.deepEqual(metadataUrls("https://auth.example.com"), [
    "https://auth.example.com/.well-known/oauth-authorization-server",
    "https://auth.example.com/.well-known/openid-configuration",
  ]);
  assert.deepEqual(metadataUrls("https://auth.example.com/tenant1/"), [
    "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
    "https://auth.example.com/.well-known/openid-configuration/tenant1",
    "https://auth.example.com/tenant1/.well-known/openid-configuration",
  ]);
});

test("discovery falls back from RFC 8414 to OpenID Connect, and metadata naming another issuer is refused", async () => {
  const { seen, fetcher } = recordingFetch();
  const keys = new IssuerKeys(auth.issuer, { fetch: fetcher });
  const kid = auth.keys.toJSON()[0]!.kid;
  assert.equal((await keys.keyFor(header(kid), NO_TOKEN)).type, "public");
  assert.deepEqual(seen, ["/.well-known/oauth-authorization-server 404", "/.well-known/openid-configuration 200", "/jwks 200"]);
  // RFC 8414 §3.3: "…/" is not the issuer "…" that the document names.
  await assert.rejects(new IssuerKeys(`${auth.issuer}/`).keyFor(header(kid), NO_TOKEN), (error) => error instanceof IssuerUnavailable && /describes issuer/.test(error.message));
});

test("a key the cache lacks is fetched once, then not again until the cooldown has passed (rotation, and made-up kids)", async () => {
  mock.timers.enable({ apis: ["Date"], now: Date.now() });
  try {
    const { fetcher, jwksFetches } = recordingFetch();
    const keys = new IssuerKeys(auth.issuer, { fetch: fetcher, cooldownMs: 30_000 });
    await keys.keyFor(header(auth.keys.toJSON()[0]!.kid), NO_TOKEN);
    assert.equal(jwksFetches(), 1);
    const rotated = await auth.keys.generate("RS256", { kid: "rotated" });
    // Within the cooldown an unknown kid is refused without asking the issuer.
    await assert.rejects(keys.keyFor(header(rotated.kid), NO_TOKEN), errors.JWKSNoMatchingKey);
    assert.equal(jwksFetches(), 1);
    mock.timers.tick(31_000);
    assert.equal((await keys.keyFor(header(rotated.kid), NO_TOKEN)).type, "public");
    assert.equal(jwksFetches(), 2, "the rotated key is found by one refetch");
    for (let i = 0; i < 20; i++) await assert.rejects(keys.keyFor(header(`made-up-${i}`), NO_TOKEN), errors.JWKSNoMatchingKey);
    assert.equal(jwksFetches(), 2, "a flood of made-up kids does not reach the issuer");
  } finally {
    mock.timers.reset();
  }
});

test("an issuer that does not answer is asked again only after a pause; meanwhile the same error answers", async () => {
  mock.timers.enable({ apis: ["Date"], now: Date.now() });
  try {
    const { seen, fetcher } = recordingFetch();
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetcher(input, init);
    };
    const keys = new IssuerKeys(`http://127.0.0.1:${await closedPort()}`, { fetch: counting, retryAfterMs: 5000 });
    await assert.rejects(keys.keyFor(header("any"), NO_TOKEN), /did not answer/);
    await assert.rejects(keys.keyFor(header("any"), NO_TOKEN), /did not answer/);
    assert.equal(attempts, 1);
    mock.timers.tick(5001);
    await assert.rejects(keys.keyFor(header("any"), NO_TOKEN), IssuerUnavailable);
    assert.equal(attempts, 2);
    assert.deepEqual(seen, []);
  } finally {
    mock.timers.reset();
  }
});
