import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { fastTiming, startFlyTestBed, within, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import type { FlyMachineConfig } from "./api-types.ts";
import { appProvider } from "./app.ts";
import { createContext } from "./context.ts";
import { defaultTiming } from "./timing.ts";
import { FlyInitError } from "./errors.ts";
import { FlyLeaseConflictError } from "./lease.ts";
import { machineProvider, type FlyMachineInputs, type FlyMachineOutputs } from "./machine.ts";
import { volumeProvider } from "./volume.ts";

describe("FlyMachine provider", () => {
  let bed: FlyTestBed;
  let appName: string;
  let volumeId: string;
  let appCount = 0;
  const machines = () => machineProvider(bed.ctx);

  const inputs = (overrides: Partial<FlyMachineInputs> = {}): FlyMachineInputs => ({
    ...bed.target,
    appName,
    name: "mcp-ams",
    region: "ams",
    image: "registry.fly.io/mcp:rel-1",
    guest: { cpuKind: "shared", cpus: 1, memoryMb: 512 },
    env: { PRIMARY_REGION: "ams", LOG_LEVEL: "info" },
    mount: { volume: volumeId, path: "/data" },
    internalPort: 8080,
    release: "rel-1",
    ...overrides,
  });

  before(async () => {
    const tags = ["rel-1", "rel-2", "rel-3", "rel-4", "crashes", "broken", "never-healthy"];
    bed = await startFlyTestBed({ images: tags.map((tag) => `registry.fly.io/mcp:${tag}`) });
  });
  after(() => bed.close());
  beforeEach(async () => {
    bed.api.faults.clear();
    appName = `machines-${++appCount}`;
    await appProvider(bed.ctx).create({ ...bed.target, name: appName, org: "personal" });
    const volume = await volumeProvider(bed.ctx).create({ ...bed.target, appName, name: "data", region: "ams", sizeGb: 1 });
    volumeId = volume.id;
  });

  const liveMachines = () => [...bed.api.model.machines.values()].filter((m) => m.appName === appName && m.state !== "destroyed");

  it("creates a started machine with the full config: services on 80/443, a /healthz check, the mount and flyctl metadata", async () => {
    const { id, outs } = await within(3_000, machines().create(inputs()));
    assert.equal(outs.state, "started");
    const sent = bed.api.calls("POST", `/apps/${appName}/machines`)[0]?.body as { region: string; config: FlyMachineConfig };
    assert.equal(sent.region, "ams");
    assert.deepEqual(sent.config.mounts, [{ volume: volumeId, path: "/data" }]);
    assert.deepEqual(sent.config.guest, { cpu_kind: "shared", cpus: 1, memory_mb: 512 });
    assert.deepEqual(sent.config.services?.[0]?.ports.map((p) => [p.port, p.handlers, p.force_https ?? false]), [
      [80, ["http"], true],
      [443, ["tls", "http"], false],
    ]);
    assert.equal(sent.config.services?.[0]?.internal_port, 8080);
    assert.deepEqual(sent.config.checks?.["healthz"], {
      type: "http", port: 8080, method: "GET", path: "/healthz", protocol: "http", interval: "15s", timeout: "5s", grace_period: "10s",
    });
    assert.equal(sent.config.restart?.policy, "always");
    assert.deepEqual(sent.config.metadata, {
      fly_platform_version: "v2", fly_process_group: "app", mcp_hosting_region: "ams", mcp_hosting_release: "rel-1", mcp_hosting_machine: "mcp-ams",
    });
    // It waited for the very version it created, by its current name, for started (or failed);
    // the first wait met the moment a new machine reads as 404 (the fake's default), and was asked again.
    const waits = bed.api.calls("GET", `/apps/${appName}/machines/${id}/wait`);
    assert.deepEqual(waits.map((c) => c.status), [404, 200]);
    assert.equal(waits[1]?.query["version"], bed.api.model.machines.get(id)?.version);
    assert.equal(waits[1]?.query["instance_id"], undefined);
    assert.equal(waits[1]?.query["state"], "started,failed");
    assert.equal(bed.api.model.volumes.get(volumeId)?.attached_machine_id, id);
  });

  it("a machine that cannot start fails at once with Fly's state \"failed\", not at the deadline, and stays in state", async () => {
    bed.api.model.crashingImages.add("registry.fly.io/mcp:crashes");
    const error = await within(3_000, machines().create(inputs({ image: "registry.fly.io/mcp:crashes" })).catch((e: unknown) => e));
    assert.ok(error instanceof FlyInitError);
    assert.match(error.message, new RegExp(`Machine ${error.id} of app ${appName} could not start \\(Fly reports state "failed"\\)`));
    assert.match(error.message, new RegExp(`fly logs -a ${appName} --machine ${error.id}`));
  });

  it("adopts the machine a create made before it answered 408, after the pause flyctl leaves for the list to catch up", async () => {
    const events: string[] = [];
    const sent = bed.api.requests.length;
    const timing = { ...fastTiming, lookupDelayMs: 500, sleep: async (ms: number) => void events.push(`sleep ${ms} after ${bed.api.requests.length - sent} requests`) };
    const ctx = createContext({ env: { FLY_API_TOKEN: bed.api.token }, timing });
    const path = `/apps/${appName}/machines`;
    bed.api.inject({ method: "POST", path, applied: true, respond: { kind: "status", status: 408 } });
    const { id } = await within(3_000, machineProvider(ctx).create(inputs()));
    assert.deepEqual(liveMachines().map((m) => m.id), [id]);
    assert.equal(bed.api.calls("POST", path).length, 1);
    // The POST, then a pause of 500 ms, then the look-up.
    const order = bed.api.requests.slice(sent, sent + 2).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(order, [`POST ${path}`, `GET ${path}`]);
    assert.equal(events[0], "sleep 500 after 1 requests");
  });

  it("a new machine Fly never shows fails after the bound with a clear message, and stays in state", async () => {
    bed.api.model.options.machinePropagation = 10_000;
    let clock = 0;
    const { machineVisibility } = defaultTiming;
    const timing = { ...fastTiming, machineVisibility, now: () => clock, sleep: async (ms: number) => void (clock += ms) };
    try {
      const error = await machineProvider(createContext({ env: { FLY_API_TOKEN: bed.api.token }, timing }))
        .create(inputs())
        .catch((e: unknown) => e);
      assert.ok(error instanceof FlyInitError);
      assert.deepEqual(liveMachines().map((m) => m.id), [error.id]);
      assert.match(error.message, new RegExp(`Machine ${error.id} of app ${appName} was created, but Fly still did not show it after 120 s \\(Fly Machines API GET .*/wait failed with HTTP 404`));
    } finally {
      bed.api.model.options.machinePropagation = 1;
    }
  });

  it("fails a create Fly rejects (422) with Fly's reason", async () => {
    await assert.rejects(
      machines().create(inputs({ region: "xyz", mount: undefined })),
      /POST \/apps\/machines-\d+\/machines failed with HTTP 422: region not found: xyz/,
    );
  });

  it("a machine on an image the registry does not hold is refused with Fly's 400, and one on another region's volume with Fly's wrong-region text", async () => {
    await assert.rejects(
      machines().create(inputs({ image: "registry.fly.io/mcp:never-pushed" })),
      /HTTP 400: failed to get manifest registry\.fly\.io\/mcp:never-pushed: request failed: not found \[http 404\]: .*MANIFEST_UNKNOWN/,
    );
    await assert.rejects(
      machines().create(inputs({ region: "iad" })),
      new RegExp(`HTTP 422: failed to launch VM: Mounts source volume "${volumeId}" is in the wrong region \\("ams" != "iad"\\)`),
    );
    assert.equal(liveMachines().length, 0);
  });

  it("adopts the machine a create made before it answered 503, instead of making a second one", async () => {
    bed.api.inject({ method: "POST", path: `/apps/${appName}/machines`, applied: true, respond: { kind: "status", status: 503 } });
    const { id, outs } = await within(3_000, machines().create(inputs()));
    assert.equal(liveMachines().length, 1);
    assert.equal(liveMachines()[0]?.id, id);
    assert.equal(outs.state, "started");
    const lookup = bed.api.calls("GET", `/apps/${appName}/machines`).at(-1);
    assert.equal(lookup?.query["metadata.mcp_hosting_machine"], "mcp-ams");
  });

  it("adopts the machine a create made before the request timed out", async () => {
    const impatient = createContext({ env: { FLY_API_TOKEN: bed.api.token }, timing: { ...fastTiming, requestTimeoutMs: 30 } });
    bed.api.inject({ method: "POST", path: `/apps/${appName}/machines`, applied: true, respond: { kind: "delay", ms: 80 } });
    const { id } = await within(3_000, machineProvider(impatient).create(inputs()));
    assert.equal(liveMachines().length, 1);
    assert.equal(liveMachines()[0]?.id, id);
    assert.equal(bed.api.calls("POST", `/apps/${appName}/machines`).length, 1);
  });

  it("after an ambiguous failure, a 422 for the name means the machine is ours already: adopt it", async () => {
    const path = `/apps/${appName}/machines`;
    bed.api.inject({ method: "POST", path, respond: { kind: "status", status: 502 } });
    bed.api.inject({ method: "POST", path, applied: true, respond: { kind: "status", status: 422, body: { error: "name taken" } } });
    const { id } = await within(3_000, machines().create(inputs()));
    assert.equal(bed.api.calls("POST", path).length, 2);
    assert.deepEqual(liveMachines().map((m) => m.id), [id]);
  });

  it("a 422 for a name held by a machine that is not ours is an error, not an adoption", async () => {
    await machines().create(inputs({ name: "taken", mount: undefined }));
    bed.api.model.machines.forEach((m) => m.name === "taken" && delete (m.config["metadata"] as Record<string, string>)["mcp_hosting_machine"]);
    await assert.rejects(machines().create(inputs({ name: "taken", mount: undefined })), /HTTP 422: a machine named taken already exists/);
  });

  it("updates in place with the complete config, under a lease it takes and releases", async () => {
    const created = await machines().create(inputs());
    const before = bed.api.requests.length;
    const next = inputs({ image: "registry.fly.io/mcp:rel-2", release: "rel-2", env: { PRIMARY_REGION: "ams" } });
    const { outs } = await within(3_000, machines().update!(created.id, created.outs, next));
    const calls = bed.api.requests.slice(before);
    const sequence = calls.map((r) => `${r.method} ${r.path.replace(created.id, "ID")}`).filter((call, i, all) => call !== all[i - 1]);
    assert.deepEqual(sequence.slice(0, 5), [
      `POST /apps/${appName}/machines/ID/lease`,
      `POST /apps/${appName}/machines/ID`,
      `GET /apps/${appName}/machines/ID/wait`, // (asked again if Fly answered 408)
      `GET /apps/${appName}/machines/ID`, // health checks, until /healthz passes
      `DELETE /apps/${appName}/machines/ID/lease`,
    ]);
    const lease = calls.find((r) => r.method === "POST" && r.path.endsWith("/lease"));
    const update = calls.find((r) => r.method === "POST" && r.path.endsWith(created.id));
    const wait = calls.find((r) => r.path.endsWith("/wait"));
    const release = calls.find((r) => r.method === "DELETE" && r.path.endsWith("/lease"));
    assert.equal(lease?.status, 201);
    assert.ok(update?.nonce && release?.nonce === update.nonce, "the update and the release carry the lease nonce");
    const sent = update?.body as { config: FlyMachineConfig };
    assert.equal(sent.config.image, "registry.fly.io/mcp:rel-2");
    assert.deepEqual(sent.config.env, { PRIMARY_REGION: "ams" }); // LOG_LEVEL dropped: the whole config replaces the old
    assert.deepEqual(sent.config.mounts, [{ volume: volumeId, path: "/data" }]);
    assert.ok(sent.config.services && sent.config.checks && sent.config.guest, "services, checks and guest are sent again");
    assert.equal(wait?.query["version"], outs.instanceId);
    assert.equal(outs.instanceId, bed.api.model.machines.get(created.id)?.version);
    assert.notEqual(outs.instanceId, created.outs.instanceId);
    assert.equal(bed.api.model.machines.get(created.id)?.lease, undefined);
    assert.equal(bed.api.model.machines.get(created.id)?.config.image, "registry.fly.io/mcp:rel-2");
  });

  it("waits for the health checks of the new instance; a release that never passes them fails with the check's output", async () => {
    const created = await machines().create(inputs());
    const polled = bed.api.calls("GET", `/apps/${appName}/machines/${created.id}`).length;
    assert.ok(polled >= 1, "create polled the machine until /healthz passed");
    bed.api.model.unhealthyImages.add("registry.fly.io/mcp:broken");
    // A virtual clock that only moves when the provider sleeps between polls.
    let clock = 0;
    const timing = {
      ...fastTiming, pollIntervalMs: 50, deadlineMs: 500, now: () => clock,
      sleep: async (ms: number) => {
        clock += ms;
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    };
    const slow = machineProvider(createContext({ env: { FLY_API_TOKEN: bed.api.token }, timing }));
    await assert.rejects(slow.update!(created.id, created.outs, inputs({ image: "registry.fly.io/mcp:broken" })), (error: unknown) => {
      assert.match(String(error), new RegExp(`Machine ${created.id} of app ${appName} started, but its health checks did not pass: healthz: critical \\(connect: connection refused\\)`));
      // Reported to Pulumi as "updated, failed to initialize", with the config that is now on the machine.
      assert.ok(error instanceof FlyInitError);
      assert.equal(error.id, created.id);
      assert.equal(error.properties["image"], "registry.fly.io/mcp:broken");
      return true;
    });
    assert.equal(bed.api.model.machines.get(created.id)?.lease, undefined, "the lease was released after the failure");
  });

  it("a machine created but never healthy stays in state (init failure with its id), so the next up does not create a second", async () => {
    bed.api.model.unhealthyImages.add("registry.fly.io/mcp:never-healthy");
    let clock = 0;
    const timing = { ...fastTiming, pollIntervalMs: 50, deadlineMs: 500, now: () => clock, sleep: async (ms: number) => void (clock += ms) };
    const error = await machineProvider(createContext({ env: { FLY_API_TOKEN: bed.api.token }, timing }))
      .create(inputs({ image: "registry.fly.io/mcp:never-healthy" }))
      .catch((e: unknown) => e);
    assert.ok(error instanceof FlyInitError);
    assert.deepEqual(liveMachines().map((m) => m.id), [error.id]);
    assert.equal(error.properties["machineId"], error.id);
  });

  it("waits out someone else's lease with backoff, then updates", async () => {
    const created = await machines().create(inputs());
    bed.api.holdLease(created.id, 2);
    await within(3_000, machines().update!(created.id, created.outs, inputs({ image: "registry.fly.io/mcp:rel-3" })));
    const leaseCalls = bed.api.calls("POST", `/apps/${appName}/machines/${created.id}/lease`);
    assert.deepEqual(leaseCalls.map((c) => c.status), [409, 409, 201]);
    assert.equal(bed.api.model.machines.get(created.id)?.config.image, "registry.fly.io/mcp:rel-3");
  });

  it("gives up on a lease that stays taken, with an error that names the machine and how to clear it", async () => {
    const created = await machines().create(inputs());
    bed.api.holdLease(created.id);
    await assert.rejects(machines().update!(created.id, created.outs, inputs({ image: "registry.fly.io/mcp:rel-4" })), (error: unknown) => {
      assert.ok(error instanceof FlyLeaseConflictError);
      assert.match(error.message, new RegExp(`Machine ${created.id} of app ${appName} is leased by someone else`));
      assert.match(error.message, /fly machine leases clear/);
      return true;
    });
    assert.equal(bed.api.calls("POST", `/apps/${appName}/machines/${created.id}/lease`).length, 5);
    assert.equal(bed.api.calls("POST", `/apps/${appName}/machines/${created.id}`).length, 0);
    assert.equal(bed.api.model.machines.get(created.id)?.config.image, "registry.fly.io/mcp:rel-1");
  });

  it("deletes by stopping, destroying and waiting until Fly reports it gone; later reads see nothing", async () => {
    const created = await machines().create(inputs());
    await within(3_000, machines().delete(created.id, created.outs as FlyMachineOutputs));
    const stopWait = bed.api.calls("GET", `/apps/${appName}/machines/${created.id}/wait`).find((r) => r.query["state"] === "stopped");
    assert.equal(stopWait?.query["version"], created.outs.instanceId);
    assert.equal(bed.api.calls("DELETE", `/apps/${appName}/machines/${created.id}`)[0]?.query["force"], "true");
    const read = await machines().read(created.id, created.outs);
    assert.equal(read.id, "");
    assert.equal(bed.api.model.volumes.get(volumeId)?.attached_machine_id, null);
    // Deleting again is a no-op.
    await machines().delete(created.id, created.outs);
  });

  it("diff: region, name or volume mean a new machine; image and env update in place; nothing changed is no change", async () => {
    const olds = { ...inputs(), machineId: "m1", instanceId: "i1", state: "started", privateIp: "fdaa::1", __provider: "old" };
    const diff = (news: FlyMachineInputs) => machines().diff("m1", olds, { ...news, __provider: "new" } as FlyMachineInputs);
    assert.deepEqual(await diff(inputs()), { changes: false });
    assert.deepEqual(await diff(inputs({ image: "registry.fly.io/mcp:rel-9" })), { changes: true });
    assert.deepEqual(await diff(inputs({ mount: { volume: volumeId, path: "/var/data" } })), { changes: true });
    // Same name: the old machine holds it (and its volume), so it must go first.
    assert.deepEqual(await diff(inputs({ region: "iad", mount: { volume: "vol_new", path: "/data" } })), {
      changes: true, replaces: ["region", "mount"], deleteBeforeReplace: true,
    });
    // A new name and a new volume: the new machine can come up before the old one goes.
    assert.deepEqual(await diff(inputs({ name: "mcp-ams-2", mount: { volume: "vol_new", path: "/data" } })), {
      changes: true, replaces: ["name", "mount"], deleteBeforeReplace: false,
    });
    // A new name on the same volume: only one machine can mount it.
    assert.deepEqual(await diff(inputs({ name: "mcp-ams-2" })), { changes: true, replaces: ["name"], deleteBeforeReplace: true });
  });

  it("check rejects a spec Fly would refuse, and lets through values not known yet", async () => {
    const { failures } = await machines().check(inputs(), inputs({ region: "Amsterdam", guest: { cpuKind: "shared", cpus: 1, memoryMb: 300 } }));
    assert.deepEqual(failures?.map((f) => f.property), ["region", "guest"]);
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const preview = await machines().check(inputs(), inputs({ image: unknown, mount: unknown as unknown as FlyMachineInputs["mount"] }));
    assert.deepEqual(preview.failures, []);
  });
});
