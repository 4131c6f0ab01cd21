import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFlyTestBed, within, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { createContext } from "./context.ts";
import { FlyDeadlineError, FlyNotVisibleError } from "./errors.ts";
import { waitForMachineState } from "./wait.ts";

describe("waiting for a machine state", () => {
  let bed: FlyTestBed;
  let machineId: string;
  before(async () => {
    // Visible at once; each test that needs a propagation window opens one on the machine.
    bed = await startFlyTestBed({ api: { appPropagation: [], machinePropagation: 0 } });
    const client = bed.ctx.clientFor(bed.target);
    await client.request("POST", "/apps", { body: { app_name: "waiting", org_slug: "personal" }, idempotent: false });
    bed.api.registry.pushImage("waiting", "r1");
    const { body } = await client.request<{ id: string }>("POST", "/apps/waiting/machines", {
      body: { region: "ams", config: { image: "registry.fly.io/waiting:r1" } },
      idempotent: false,
    });
    machineId = body.id;
  });
  after(() => bed.close());

  it("asks again after each 408 until the machine has started", async () => {
    bed.api.inject({ method: "GET", path: /\/wait$/, times: 2, respond: { kind: "status", status: 408, body: { error: "deadline_exceeded" } } });
    await within(2_000, waitForMachineState(bed.ctx.clientFor(bed.target), { appName: "waiting", machineId, state: "started" }));
    const waits = bed.api.calls("GET", `/apps/waiting/machines/${machineId}/wait`);
    assert.equal(waits.length, 3);
    assert.equal(bed.api.faults.pending(), 0);
    for (const wait of waits) {
      assert.equal(wait.query["state"], "started");
      assert.ok(Number(wait.query["timeout"]) >= 1 && Number(wait.query["timeout"]) <= 60);
    }
  });

  it("gives up at its overall deadline, however many 408s it took", async () => {
    let clock = 0;
    const ctx = createContext({
      env: { FLY_API_TOKEN: bed.api.token },
      // Every look at the clock is 20 s later: the deadline of 90 s passes after a few tries.
      timing: { now: () => (clock += 20_000), deadlineMs: 90_000, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
    });
    bed.api.inject({ method: "GET", path: /\/wait$/, times: 100, respond: { kind: "status", status: 408 } });
    const before = bed.api.calls("GET", /\/wait$/).length;
    await assert.rejects(
      waitForMachineState(ctx.clientFor(bed.target), { appName: "waiting", machineId, state: "started" }),
      (error: unknown) => error instanceof FlyDeadlineError && /reaching state "started" did not happen within 90 s/.test(error.message),
    );
    const tries = bed.api.calls("GET", /\/wait$/).length - before;
    assert.ok(tries >= 2 && tries <= 3, `expected 2–3 tries, got ${tries}`);
    bed.api.faults.clear();
  });

  it("never asks Fly to hold a wait longer than what is left of the deadline", async () => {
    const ctx = createContext({ env: { FLY_API_TOKEN: bed.api.token }, timing: { now: () => 0, deadlineMs: 12_000 } });
    await waitForMachineState(ctx.clientFor(bed.target), { appName: "waiting", machineId, state: "started" });
    const last = bed.api.calls("GET", /\/wait$/).at(-1);
    assert.equal(last?.query["timeout"], "12");
  });

  it("sends version= (not the deprecated instance_id=) and several states, and answers the state reached", async () => {
    const version = bed.api.model.machines.get(machineId)!.version;
    const reached = await waitForMachineState(bed.ctx.clientFor(bed.target), {
      appName: "waiting", machineId, state: ["failed", "started"], version,
    });
    assert.equal(reached, "started");
    const query = bed.api.calls("GET", /\/wait$/).at(-1)?.query;
    assert.equal(query?.["version"], version);
    assert.equal(query?.["instance_id"], undefined);
    assert.equal(query?.["state"], "failed,started");
  });

  it("a machine just created may read as 404 for a moment: asked again until it shows", async () => {
    bed.api.model.machines.get(machineId)!.unseen = 3;
    const before = bed.api.calls("GET", /\/wait$/).length;
    await within(2_000, waitForMachineState(bed.ctx.clientFor(bed.target), { appName: "waiting", machineId, state: "started", justCreated: true }));
    assert.deepEqual(bed.api.calls("GET", /\/wait$/).slice(before).map((c) => c.status), [404, 404, 404, 200]);
  });

  it("a 404 of a machine not just created is final, at once", async () => {
    bed.api.model.machines.get(machineId)!.unseen = 1;
    const before = bed.api.calls("GET", /\/wait$/).length;
    await assert.rejects(
      waitForMachineState(bed.ctx.clientFor(bed.target), { appName: "waiting", machineId, state: "started" }),
      /HTTP 404: machine not found/,
    );
    assert.equal(bed.api.calls("GET", /\/wait$/).length - before, 1);
  });

  it("a just-created machine that never shows fails after the bound, saying it was created but is not shown", async () => {
    bed.api.model.machines.get(machineId)!.unseen = 10_000;
    const before = bed.api.calls("GET", /\/wait$/).length;
    let clock = 0;
    const ctx = createContext({
      env: { FLY_API_TOKEN: bed.api.token },
      timing: { now: () => clock, sleep: async (ms) => void (clock += ms) },
    });
    await assert.rejects(
      waitForMachineState(ctx.clientFor(bed.target), { appName: "waiting", machineId, state: "started", justCreated: true }),
      (error: unknown) =>
        error instanceof FlyNotVisibleError &&
        new RegExp(`Machine ${machineId} of app waiting was created, but Fly still did not show it after 120 s \\(.*HTTP 404`).test(error.message),
    );
    // flyctl's backoff, 500 ms up to 2 s (each at least half that): about a try a second, not a busy loop.
    assert.ok(clock >= 120_000 && clock < 123_000, `gave up at ${clock} ms`);
    const tries = bed.api.calls("GET", /\/wait$/).length - before;
    assert.ok(tries >= 60 && tries <= 125, `${tries} tries`);
    bed.api.model.machines.get(machineId)!.unseen = 0;
  });
});
