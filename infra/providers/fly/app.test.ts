import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startFlyTestBed, within, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { appProvider, type FlyAppInputs } from "./app.ts";

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

  it("a name taken already is a clear error, not an adoption", async () => {
    await apps().create(inputs("taken-app"));
    await assert.rejects(apps().create(inputs("taken-app")), /HTTP 422: Name has already been taken\. App names are unique across all of Fly\.io/);
  });

  it("adopts the app a create made before it answered 503", async () => {
    bed.api.inject({ method: "POST", path: "/apps", applied: true, respond: { kind: "status", status: 503 } });
    const { outs } = await apps().create(inputs("adopted-app"));
    assert.equal(outs.appId, bed.api.model.apps.get("adopted-app")?.id);
    assert.equal(bed.api.calls("POST", "/apps").filter((c) => c.body?.["app_name"] === "adopted-app").length, 1);
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
