import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startFlyTestBed, within, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { appProvider, type FlyAppInputs } from "./app.ts";
import { createContext } from "./context.ts";
import { FlyInitError } from "./errors.ts";

describe("FlyApp provider", () => {
  let bed: FlyTestBed;
  const apps = () => appProvider(bed.ctx);
  const inputs = (name: string, overrides: Partial<FlyAppInputs> = {}): FlyAppInputs => ({ ...bed.target, name, org: "personal", ...overrides });

  before(async () => {
    bed = await startFlyTestBed();
  });
  after(() => bed.close());
  beforeEach(() => bed.api.faults.clear());

  it("creates the app (Fly answers 201) and takes its id from Fly", async () => {
    const { id, outs } = await apps().create(inputs("created-app"));
    assert.equal(id, "created-app");
    assert.equal(bed.api.calls("POST", "/apps").at(-1)?.status, 201);
    assert.equal(outs.appId, bed.api.model.apps.get("created-app")?.id);
    assert.deepEqual(bed.api.calls("POST", "/apps").at(-1)?.body, { app_name: "created-app", name: "created-app", org_slug: "personal" });
  });

  it("an app of the same name in the same organization, made outside the stack (say, to push an image first), is adopted, and the outputs say so", async () => {
    bed.api.model.createApp("made-by-hand", "personal", "");
    const { id, outs } = await apps().create(inputs("made-by-hand"));
    assert.equal(id, "made-by-hand");
    assert.equal(outs.appId, bed.api.model.apps.get("made-by-hand")?.id);
    assert.match(outs.adopted ?? "", /^Fly app made-by-hand already existed in organization personal; adopted it as this stack's app/);
    assert.deepEqual(bed.api.calls("POST", "/apps").filter((c) => c.body?.["app_name"] === "made-by-hand").map((c) => c.status), [422]);
    // An app this create made itself is not called adopted.
    assert.equal((await apps().create(inputs("made-here"))).outs.adopted, undefined);
  });

  it("a name taken by an app of another organization is a clear error, never an adoption", async () => {
    bed.api.model.createApp("taken-app", "mcp-team", "");
    await assert.rejects(
      apps().create(inputs("taken-app")),
      /HTTP 422: Validation failed: Name has already been taken\. App names are unique across all of Fly\.io and taken-app is taken \(by an app of organization mcp-team\)/,
    );
  });

  it("adopts the app a create made before it answered 503, though Fly does not show it yet", async () => {
    bed.api.inject({ method: "POST", path: "/apps", applied: true, respond: { kind: "status", status: 503 } });
    const { outs } = await apps().create(inputs("adopted-app"));
    assert.equal(outs.appId, bed.api.model.apps.get("adopted-app")?.id);
    // The look-up met the visibility window (404); the next POST's 422 said the app exists; then it waited (401, 200).
    const posts = bed.api.calls("POST", "/apps").filter((c) => c.body?.["app_name"] === "adopted-app");
    assert.deepEqual(posts.map((c) => c.status), [503, 422]);
    assert.deepEqual(bed.api.calls("GET", "/apps/adopted-app").map((c) => c.status).slice(0, 3), [404, 401, 200]);
  });

  it("a name held by an organization the token cannot see (403) is a clear error, also after an ambiguous failure", async () => {
    bed.api.model.createApp("foreign-app", "someone-else", "");
    bed.api.inject({ method: "POST", path: "/apps", respond: { kind: "status", status: 503 } });
    await assert.rejects(apps().create(inputs("foreign-app")), /HTTP 403: .*foreign-app is taken \(it is held by an organization this token cannot access\); choose another appName/);
    await assert.rejects(apps().read("foreign-app", { ...inputs("foreign-app"), appId: "x", status: "deployed" }), /held by an organization this token cannot access/);
  });

  it("does not adopt an app of the same name in another organization", async () => {
    await apps().create(inputs("someone-elses", { org: "mcp-team" }));
    bed.api.inject({ method: "POST", path: "/apps", times: 3, respond: { kind: "status", status: 503 } });
    await assert.rejects(apps().create(inputs("someone-elses")), /POST \/apps failed with HTTP 503/);
  });

  it("deletes (Fly answers 202 and finishes later) and returns once the app reads as gone", async () => {
    const { id, outs } = await apps().create(inputs("deleted-app"));
    await within(3_000, apps().delete(id, outs));
    assert.equal(bed.api.calls("DELETE", "/apps/deleted-app")[0]?.status, 202);
    // It polled while Fly still showed the app, and stopped at the first 404.
    const polls = bed.api.calls("GET", "/apps/deleted-app").map((c) => c.status);
    assert.ok(polls.includes(200) && polls.at(-1) === 404, `polls: ${polls.join(", ")}`);
    assert.equal((await apps().read(id, outs)).id, "");
    await apps().delete(id, outs); // deleting what is gone is fine
  });

  it("diff: a new name replaces; a new org with the same name must delete first; the provider or API URL alone changes nothing", async () => {
    const olds = { ...inputs("mcp"), appId: "a1", status: "deployed", __provider: "serialized v1" };
    const diff = (news: FlyAppInputs) => apps().diff("mcp", olds, news);
    assert.deepEqual(await diff({ ...inputs("mcp"), __provider: "serialized v2", apiBaseUrl: "https://elsewhere" } as FlyAppInputs), { changes: false });
    assert.deepEqual(await diff(inputs("mcp-2")), { changes: true, replaces: ["name"], deleteBeforeReplace: false });
    assert.deepEqual(await diff(inputs("mcp", { org: "mcp-team" })), { changes: true, replaces: ["org"], deleteBeforeReplace: true });
  });

  it("check names the bad field", async () => {
    const { failures } = await apps().check(inputs("x"), { name: "Bad_Name", org: "" });
    assert.deepEqual(failures?.map((f) => f.property), ["name", "org"]);
  });
});

describe("FlyApp provider, while Fly propagates a new app", () => {
  let bed: FlyTestBed;
  // Two 404s, then two 401s, then one more 404, before Fly shows the app (fly-go WaitForApp retries exactly these).
  const window = [404, 404, 401, 401, 404];
  before(async () => {
    bed = await startFlyTestBed({ api: { appPropagation: window } });
  });
  after(() => bed.close());

  it("without a wait, the first requests about a new app are refused: the window the provider must ride through", async () => {
    const client = bed.ctx.clientFor(bed.target);
    await client.request("POST", "/apps", { body: { name: "impatient", org_slug: "personal" }, idempotent: false });
    await assert.rejects(
      client.request("POST", "/apps/impatient/volumes", { body: { name: "data", region: "ams", size_gb: 1 }, idempotent: false }),
      /HTTP 404: app not found: impatient/,
    );
  });

  it("create returns only once GET /apps/{name} shows the app: its 404s and 401s are ridden through", async () => {
    bed.sleeps.length = 0;
    const { outs } = await appProvider(bed.ctx).create({ ...bed.target, name: "patient", org: "personal" });
    assert.equal(outs.appId, bed.api.model.apps.get("patient")?.id);
    assert.deepEqual(bed.api.calls("GET", "/apps/patient").map((c) => c.status), [...window, 200]);
    assert.equal(bed.api.calls("POST", "/apps").at(-1)?.query["wait"], "true");
    assert.equal(bed.sleeps.length, window.length);
    // Now the app's routes answer: a volume can be made at once.
    const volume = await bed.ctx.clientFor(bed.target).request("POST", "/apps/patient/volumes", {
      body: { name: "data", region: "ams", size_gb: 1 }, idempotent: false,
    });
    assert.equal(volume.status, 200);
  });

  it("an app Fly never shows fails after one minute with a message naming it, and stays in state (init failure)", async () => {
    const hidden = await startFlyTestBed({ api: { appPropagation: Array<number>(10_000).fill(404) } });
    // A virtual clock that moves only when the provider sleeps.
    let clock = 0;
    const sleeps: number[] = [];
    const ctx = createContext({
      env: { FLY_API_TOKEN: hidden.api.token },
      timing: { now: () => clock, sleep: async (ms) => void (sleeps.push(ms), (clock += ms)) },
    });
    try {
      const error = await appProvider(ctx).create({ ...hidden.target, name: "never-shown", org: "personal" }).catch((e: unknown) => e);
      assert.ok(error instanceof FlyInitError, String(error));
      assert.equal(error.id, "never-shown");
      assert.match(error.message, /Fly app never-shown was created, but Fly still did not show it after 60 s \(.*GET \/apps\/never-shown failed with HTTP 404/);
      // fly-go's backoff: from 100 ms up to 500 ms, each ±50 %, for one minute.
      assert.ok(sleeps.every((ms) => ms >= 50 && ms <= 750), `sleeps ${sleeps.slice(0, 8).join(", ")}…`);
      assert.ok(clock >= 60_000 && clock < 61_000, `gave up at ${clock} ms`);
    } finally {
      await hidden.close();
    }
  });
});
