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
    bed = await startFlyTestBed({ images: ["registry.fly.io/x:1"] });
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
    // Nothing mounts it: Fly answers needs_restart false, and no machine is touched.
    assert.equal(bed.api.calls("POST", /\/lease$/).filter((c) => c.path.startsWith(`/apps/${appName}/`)).length, 0);
  });

  const machineOn = async (volumeId: string) =>
    await machineProvider(bed.ctx).create({
      ...bed.target, appName, name: "m", region: "ams", image: "registry.fly.io/x:1",
      guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 }, internalPort: 8080, mount: { volume: volumeId, path: "/data" },
    });

  it("grows a volume a running machine mounts: Fly says it needs a restart, so the machine is stopped and started under its lease and serves again", async () => {
    const volume = await volumes().create(inputs());
    const machine = await machineOn(volume.id);
    const before = bed.api.requests.length;
    await within(3_000, volumes().update!(volume.id, volume.outs, inputs({ sizeGb: 2 })));
    const calls = bed.api.requests.slice(before);
    const extend = calls.find((c) => c.path.endsWith("/extend"));
    assert.equal(extend?.status, 200); // the fake answers needs_restart: true for an attached volume
    const sequence = calls
      .map((c) => `${c.method} ${c.path.replace(`/apps/${appName}/machines/${machine.id}`, "M")}${c.path.endsWith("/wait") ? ` ${c.query["state"]}` : ""}`)
      .filter((call, i, all) => call !== all[i - 1]);
    assert.deepEqual(sequence, [
      `GET /apps/${appName}/volumes/${volume.id}`,
      `PUT /apps/${appName}/volumes/${volume.id}/extend`,
      "POST M/lease",
      "GET M", // its state: only a started machine is restarted
      "POST M/stop",
      "GET M/wait stopped",
      "POST M/start",
      "GET M/wait started,failed",
      "GET M", // health checks, until they pass
      "DELETE M/lease",
    ]);
    const lease = calls.find((c) => c.method === "POST" && c.path.endsWith("/lease"));
    const stop = calls.find((c) => c.path.endsWith("/stop"));
    const start = calls.find((c) => c.path.endsWith("/start"));
    assert.ok(stop?.nonce && stop.nonce === start?.nonce && lease?.status === 201, "stop and start carry the lease nonce");
    assert.equal(bed.api.model.machines.get(machine.id)?.state, "started");
    assert.equal(bed.api.model.machines.get(machine.id)?.lease, undefined);
  });

  it("a suspended machine on a grown volume is only stopped: resuming its snapshot would keep the old size", async () => {
    const volume = await volumes().create(inputs());
    const machine = await machineOn(volume.id);
    bed.api.model.machines.get(machine.id)!.state = "suspended";
    await within(3_000, volumes().update!(volume.id, volume.outs, inputs({ sizeGb: 2 })));
    assert.equal(bed.api.model.machines.get(machine.id)?.state, "stopped");
    assert.equal(bed.api.calls("POST", `/apps/${appName}/machines/${machine.id}/start`).length, 0);
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
