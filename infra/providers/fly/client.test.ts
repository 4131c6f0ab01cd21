import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startFlyTestBed, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { authorizationFrom, FlyClient, parseRetryAfter } from "./client.ts";
import { createContext } from "./context.ts";
import { FlyApiError, FlyTokenMissingError } from "./errors.ts";

describe("Fly API client", () => {
  let bed: FlyTestBed;
  let client: FlyClient;
  before(async () => {
    // The client alone: new apps are visible at once (the providers' waits are tested beside them).
    bed = await startFlyTestBed({ api: { appPropagation: [] } });
    client = bed.ctx.clientFor(bed.target);
  });
  after(() => bed.close());
  beforeEach(() => {
    bed.api.faults.clear();
    bed.sleeps.length = 0;
  });

  it("fails before sending anything when no token is in the environment, and says which variable to set", async () => {
    const tokenless = createContext({ env: {} }).clientFor(bed.target);
    const sent = bed.api.requests.length;
    await assert.rejects(tokenless.request("GET", "/apps/anything", { idempotent: true }), (error: unknown) => {
      assert.ok(error instanceof FlyTokenMissingError);
      assert.match(error.message, /FLY_API_TOKEN/);
      // A deploy token is scoped to one existing app: it cannot create the FlyApp.
      assert.match(error.message, /fly tokens create org -o <org>/);
      assert.doesNotMatch(error.message, /fly tokens deploy/);
      return true;
    });
    assert.equal(bed.api.requests.length, sent);
  });

  it("reads the token at call time: a token set after the client was made is used", async () => {
    const env: Record<string, string | undefined> = {};
    const late = createContext({ env }).clientFor(bed.target);
    env["FLY_ACCESS_TOKEN"] = bed.api.token;
    await assert.rejects(late.request("GET", "/apps/nope", { idempotent: true }), (error: unknown) => {
      assert.ok(error instanceof FlyApiError);
      assert.equal(error.status, 404); // authenticated, then not found
      return true;
    });
  });

  it("surfaces Fly's error with method, path and status, and never the token", async () => {
    const error = await client.request("GET", "/apps/no-such-app", { idempotent: true }).catch((e: unknown) => e);
    assert.ok(error instanceof FlyApiError);
    assert.equal(error.message, "Fly Machines API GET /apps/no-such-app failed with HTTP 404: app not found: no-such-app");
    assert.doesNotMatch(String(error.stack) + JSON.stringify(error), new RegExp(bed.api.token));
  });

  it("a wrong token gets Fly's 401 message", async () => {
    const wrong = createContext({ env: { FLY_API_TOKEN: "not-the-token" } }).clientFor(bed.target);
    await assert.rejects(wrong.request("GET", "/apps/x", { idempotent: true }), /HTTP 401: You must be authenticated/);
  });

  it("retries 429 after the Retry-After the server asked for", async () => {
    await client.request("POST", "/apps", { body: { app_name: "rate-limited", org_slug: "personal" }, idempotent: false });
    bed.api.inject({
      method: "GET", path: "/apps/rate-limited", times: 2,
      respond: { kind: "status", status: 429, headers: { "retry-after": "3" }, body: { error: "rate limited" } },
    });
    const { body } = await client.request<{ name: string }>("GET", "/apps/rate-limited", { idempotent: true });
    assert.equal(body.name, "rate-limited");
    assert.equal(bed.api.calls("GET", "/apps/rate-limited").length, 3);
    assert.deepEqual(bed.sleeps, [3000, 3000]);
  });

  it("retries a 5xx of a request that is safe to repeat, with growing jittered delays, and stops after the bound", async () => {
    bed.api.inject({ method: "GET", path: "/apps/flaky", times: 10, respond: { kind: "status", status: 503 } });
    await assert.rejects(client.request("GET", "/apps/flaky", { idempotent: true }), /GET \/apps\/flaky failed with HTTP 503/);
    assert.equal(bed.api.calls("GET", "/apps/flaky").length, 4); // fastTiming.retry.attempts
    assert.equal(bed.sleeps.length, 3);
    assert.ok(bed.sleeps.every((ms) => ms >= 0 && ms <= 4));
  });

  it("does not repeat a create that failed with a 5xx: the caller must look for what it may have made", async () => {
    bed.api.inject({ method: "POST", path: "/apps", respond: { kind: "status", status: 502 } });
    const error = await client
      .request("POST", "/apps", { body: { app_name: "once-only", org_slug: "personal" }, idempotent: false })
      .catch((e: unknown) => e);
    assert.ok(error instanceof FlyApiError && error.ambiguous);
    assert.equal(bed.api.calls("POST", "/apps").filter((r) => r.body?.["app_name"] === "once-only").length, 1);
  });

  it("treats a 408 as ambiguous, but leaves asking again to the caller: the wait endpoint answers 408 for \"not yet\"", async () => {
    bed.api.inject({ method: "POST", path: "/apps", respond: { kind: "status", status: 408 } });
    const create = await client.request("POST", "/apps", { body: { app_name: "timed-out", org_slug: "personal" }, idempotent: false }).catch((e: unknown) => e);
    assert.ok(create instanceof FlyApiError && create.ambiguous && create.status === 408);
    bed.api.inject({ method: "GET", path: "/apps/timed-out", respond: { kind: "status", status: 408 } });
    await assert.rejects(client.request("GET", "/apps/timed-out", { idempotent: true }), /HTTP 408/);
    assert.equal(bed.api.calls("GET", "/apps/timed-out").length, 1);
  });

  it("treats a reset connection as ambiguous", async () => {
    bed.api.inject({ method: "GET", path: "/apps/reset", times: 10, respond: { kind: "reset" } });
    const error = await client.request("GET", "/apps/reset", { idempotent: true }).catch((e: unknown) => e);
    assert.ok(error instanceof FlyApiError);
    assert.equal(error.status, 0);
    assert.ok(error.ambiguous);
  });
});

describe("authorization header", () => {
  it("uses Bearer for plain tokens and FlyV1 for macaroons, with or without a scheme already in the variable", () => {
    assert.equal(authorizationFrom({ FLY_API_TOKEN: "abc" }), "Bearer abc");
    assert.equal(authorizationFrom({ FLY_API_TOKEN: "FlyV1 fm2_xyz,fm2_uvw" }), "FlyV1 fm2_xyz,fm2_uvw");
    assert.equal(authorizationFrom({ FLY_ACCESS_TOKEN: "fm2_xyz" }), "FlyV1 fm2_xyz");
    assert.throws(() => authorizationFrom({ FLY_API_TOKEN: "  " }), FlyTokenMissingError);
  });

  it("parses Retry-After as seconds or as an HTTP date", () => {
    assert.equal(parseRetryAfter("2", 0), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter(null, 0), undefined);
  });
});
