import assert from "node:assert/strict";
import { test } from "node:test";
import { signRequest, verifySignature } from "./signing.ts";

const body = new TextEncoder().encode(String.raw`{"csv":"a\n1\n"}`);

test("the signature matches the vector the Python verifier was built against", async () => {
  const headers = await signRequest("test-secret", "POST", "/tools/csv_profile", body, 1_700_000_000, "00112233445566778899aabbccddeeff");
  assert.deepEqual(headers, {
    "x-mcp-timestamp": "1700000000",
    "x-mcp-nonce": "00112233445566778899aabbccddeeff",
    "x-mcp-signature": "v1=1f1822b8c1bcd131c48d44fcc6166c1bdf9ad6f23ed283bec526346bac95fcd0",
  });
});

test("verification accepts a fresh signature and names what is wrong with a bad one", async () => {
  const now = 1_700_000_000;
  const signed = new Headers(await signRequest("k".repeat(32), "POST", "/tools/echo", body, now));
  assert.equal((await verifySignature("k".repeat(32), "POST", "/tools/echo", signed, body, now + 30)).ok, true);
  const verdicts = await Promise.all([
    verifySignature("k".repeat(32), "POST", "/tools/echo", signed, body, now + 61),
    verifySignature("x".repeat(32), "POST", "/tools/echo", signed, body, now),
    verifySignature("k".repeat(32), "POST", "/tools/other", signed, body, now),
    verifySignature("k".repeat(32), "POST", "/tools/echo", new Headers(), body, now),
  ]);
  assert.deepEqual(
    verdicts.map((verdict) => (verdict.ok ? "ok" : verdict.reason)),
    ["stale or future timestamp (more than 60 s off)", "signature mismatch", "signature mismatch", "missing signature headers"],
  );
});

test("two identical calls in the same second carry different nonces, so a retry is not a replay", async () => {
  const first = await signRequest("k".repeat(32), "POST", "/tools/kb_put", body, 1_700_000_000);
  const second = await signRequest("k".repeat(32), "POST", "/tools/kb_put", body, 1_700_000_000);
  assert.notEqual(first["x-mcp-nonce"], second["x-mcp-nonce"]);
  assert.notEqual(first["x-mcp-signature"], second["x-mcp-signature"]);
});

test("a release named in a call is signed with it: relabelling or dropping it breaks the signature", async () => {
  const now = 1_700_000_000;
  const signed = await signRequest("k".repeat(32), "POST", "/tools/kb_search", body, now, undefined, "r-b1ue00000000");
  assert.equal(signed["x-mcp-release"], "r-b1ue00000000");
  const verdict = await verifySignature("k".repeat(32), "POST", "/tools/kb_search", new Headers(signed), body, now);
  assert.deepEqual(verdict.ok && verdict.release, "r-b1ue00000000");
  const relabelled = new Headers({ ...signed, "x-mcp-release": "r-9ree00000000" });
  const dropped = new Headers(signed);
  dropped.delete("x-mcp-release");
  const broken = new Headers({ ...signed, "x-mcp-release": "R-B1UE/../x" });
  const verdicts = await Promise.all([relabelled, dropped, broken].map((headers) => verifySignature("k".repeat(32), "POST", "/tools/kb_search", headers, body, now)));
  assert.deepEqual(verdicts.map((v) => (v.ok ? "ok" : v.reason)), ["signature mismatch", "signature mismatch", "malformed release"]);
});
