import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startFlyTestBed, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { appProvider } from "./app.ts";
import { ipProvider, type FlyIpAssignmentInputs } from "./ip.ts";

describe("FlyIpAssignment provider", () => {
  let bed: FlyTestBed;
  let appName: string;
  let appCount = 0;
  const ips = () => ipProvider(bed.ctx);
  const inputs = (type: FlyIpAssignmentInputs["type"], overrides: Partial<FlyIpAssignmentInputs> = {}): FlyIpAssignmentInputs => ({
    ...bed.target, appName, type, ...overrides,
  });

  before(async () => {
    bed = await startFlyTestBed();
  });
  after(() => bed.close());
  beforeEach(async () => {
    bed.api.faults.clear();
    appName = `ips-${++appCount}`;
    await appProvider(bed.ctx).create({ ...bed.target, name: appName, org: "personal" });
  });

  it("allocates a dedicated v6 and a shared v4 through /ip_assignments; the address is the id", async () => {
    const v6 = await ips().create(inputs("v6"));
    const v4 = await ips().create(inputs("shared_v4"));
    assert.match(v6.id, /:/);
    assert.match(v4.id, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(v4.outs.shared, true);
    assert.deepEqual(bed.api.calls("POST", `/apps/${appName}/ip_assignments`).map((c) => c.body?.["type"]), ["v6", "shared_v4"]);
  });

  it("adopts the address a create assigned before it answered 502, and not one the app had", async () => {
    const older = await ips().create(inputs("v6"));
    bed.api.inject({ method: "POST", path: `/apps/${appName}/ip_assignments`, applied: true, respond: { kind: "status", status: 502 } });
    const { id } = await ips().create(inputs("v6"));
    assert.notEqual(id, older.id);
    assert.equal(bed.api.model.apps.get(appName)?.ips.length, 2);
  });

  it("releases the address on delete; a refresh then finds it gone", async () => {
    const { id, outs } = await ips().create(inputs("v6"));
    await ips().delete(id, outs);
    assert.equal((await ips().read(id, outs)).id, "");
    await ips().delete(id, outs);
  });

  it("check refuses a region for address types that are not regional", async () => {
    const { failures } = await ips().check(inputs("v6"), inputs("shared_v4", { region: "ams" }));
    assert.deepEqual(failures?.map((f) => f.property), ["region"]);
  });

  it("diff: any change of what is allocated is a new address", async () => {
    const olds = { ...inputs("v6"), address: "2a09::1", shared: false };
    assert.deepEqual(await ips().diff("2a09::1", olds, inputs("v6")), { changes: false });
    assert.deepEqual(await ips().diff("2a09::1", olds, inputs("shared_v4")), { changes: true, replaces: ["type"], deleteBeforeReplace: false });
  });
});
