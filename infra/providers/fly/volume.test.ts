import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startFlyTestBed, within, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { appProvider } from "./app.ts";
import { machineProvider } from "./machine.ts";
import { volumeProvider, type FlyVolumeInputs } from "./volume.ts";

describe("FlyVolume provider", () => {
  let bed: FlyTestBed;
  let appName: string;
  let appCount = 0;
  const volumes = () => volumeProvider(bed.ctx);
  const inputs = (overrides: Partial<FlyVolumeInputs> = {}): FlyVolumeInputs => ({
    ...bed.target, appName, name: "data", region: "ams", sizeGb: 1, ...overrides,
  });
  const liveVolumes = () => [...bed.api.model.volumes.values()].filter((v) => v.appName === appName && v.state === "created");

  before(async () => {
    bed = await startFlyTestBed();
  });
  after(() => bed.close());
  beforeEach(async () => {
    bed.api.faults.clear();
    appName = `volumes-${++appCount}`;
    await appProvider(bed.ctx).create({ ...bed.target, name: appName, org: "personal" });
  });

  it("creates an encrypted volume in the region asked for", async () => {
    const { id, outs } = await volumes().create(inputs({ compute: { cpu_kind: "shared", cpus: 1, memory_mb: 512 } }));
    assert.match(id, /^vol_/);
    assert.equal(outs.volumeId, id);
    assert.equal(outs.region, "ams");
    const sent = bed.api.calls("POST", `/apps/${appName}/volumes`)[0]?.body;
    assert.equal(sent?.["encrypted"], true);
    assert.deepEqual(sent?.["compute"], { cpu_kind: "shared", cpus: 1, memory_mb: 512 });
  });

  it("adopts the volume a create made before the connection broke, and never one that existed before", async () => {
    const older = await volumes().create(inputs());
    bed.api.inject({ method: "POST", path: `/apps/${appName}/volumes`, applied: true, respond: { kind: "reset" } });
    const { id } = await within(3_000, volumes().create(inputs()));
    assert.notEqual(id, older.id);
    assert.equal(liveVolumes().length, 2);
    assert.equal(bed.api.calls("POST", `/apps/${appName}/volumes`).length, 2);
  });

  it("creates again when an ambiguous failure had made nothing", async () => {
    bed.api.inject({ method: "POST", path: `/apps/${appName}/volumes`, respond: { kind: "status", status: 500 } });
    const { id } = await volumes().create(inputs());
    assert.deepEqual(liveVolumes().map((v) => v.id), [id]);
    assert.equal(bed.api.calls("POST", `/apps/${appName}/volumes`).length, 2);
  });

  it("grows in place and refuses to shrink", async () => {
    const created = await volumes().create(inputs({ sizeGb: 2 }));
    const { outs } = await volumes().update!(created.id, created.outs, inputs({ sizeGb: 5 }));
    assert.equal(outs.sizeGb, 5);
    assert.equal(bed.api.calls("PUT", `/apps/${appName}/volumes/${created.id}/extend`)[0]?.body?.["size_gb"], 5);
    await assert.rejects(volumes().update!(created.id, outs, inputs({ sizeGb: 3 })), /is 5 GB and Fly volumes cannot shrink/);
  });

  it("waits for its machine to be destroyed, then deletes; later reads see nothing", async () => {
    const volume = await volumes().create(inputs());
    const machine = await machineProvider(bed.ctx).create({
      ...bed.target, appName, name: "m", region: "ams", image: "registry.fly.io/x:1",
      guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 }, internalPort: 8080, mount: { volume: volume.id, path: "/data" },
    });
    const deleting = volumes().delete(volume.id, volume.outs);
    // The machine goes away while the volume delete is already waiting.
    await machineProvider(bed.ctx).delete(machine.id, machine.outs);
    await within(3_000, deleting);
    assert.equal((await volumes().read(volume.id, volume.outs)).id, "");
    assert.equal(liveVolumes().length, 0);
  });

  it("keeps trying a delete Fly refuses because the volume is still attached", async () => {
    const volume = await volumes().create(inputs());
    bed.api.inject({
      method: "DELETE", path: `/apps/${appName}/volumes/${volume.id}`, times: 2,
      respond: { kind: "status", status: 422, body: { error: "volume is attached to machine 123" } },
    });
    await within(3_000, volumes().delete(volume.id, volume.outs));
    assert.equal(bed.api.calls("DELETE", `/apps/${appName}/volumes/${volume.id}`).length, 3);
  });

  it("diff: app, name, region and encryption replace (new volume first); size and backups update; hints are ignored", async () => {
    const olds = { ...inputs(), volumeId: "vol_1", state: "created", zone: "ab", attachedMachineId: null, __provider: "x" };
    const diff = (news: FlyVolumeInputs) => volumes().diff("vol_1", olds, news);
    assert.deepEqual(await diff(inputs()), { changes: false });
    assert.deepEqual(await diff(inputs({ requireUniqueZone: false, compute: { cpu_kind: "performance", cpus: 2, memory_mb: 4096 } })), { changes: false });
    assert.deepEqual(await diff(inputs({ sizeGb: 3, snapshotRetention: 10 })), { changes: true });
    assert.deepEqual(await diff(inputs({ region: "iad" })), { changes: true, replaces: ["region"], deleteBeforeReplace: false });
  });
});
