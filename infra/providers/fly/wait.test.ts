import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFlyTestBed, within, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { createContext } from "./context.ts";
import { FlyDeadlineError } from "./errors.ts";
import { waitForMachineState } from "./wait.ts";

describe("waiting for a machine state", () => {
  let bed: FlyTestBed;
  let machineId: string;
  before(async () => {
    bed = await startFlyTestBed();
    const client = bed.ctx.clientFor(bed.target);
    await client.request("POST", "/apps", { body: { app_name: "waiting", org_slug: "personal" }, idempotent: false });
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
});
