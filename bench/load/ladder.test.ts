import assert from "node:assert/strict";
import { test } from "node:test";
import { combineRuns, generatorBound, highestPassingRate, ladderDone, rungPasses } from "./ladder.ts";
import type { RungResult } from "./protocol.ts";

function rung(offeredPerSecond: number, measured: Partial<RungResult> = {}): RungResult {
  return {
    offeredPerSecond,
    calls: offeredPerSecond * 5,
    achievedPerSecond: offeredPerSecond,
    p50Ms: 1,
    p99Ms: 4,
    maxMs: 9,
    errors: 0,
    errorKinds: {},
    sendLagP50Ms: 0.3,
    sendLagP99Ms: 1,
    generatorCores: 0.2,
    ...measured,
  };
}

test("a rung passes with p99 at the 50 ms budget and no errors; over the budget or with one error it fails", () => {
  assert.equal(rungPasses(rung(1000, { p99Ms: 50 })), true);
  assert.equal(rungPasses(rung(1000, { p99Ms: 50.1 })), false);
  assert.equal(rungPasses(rung(1000, { errors: 1, errorKinds: { timeout: 1 } })), false);
});

test("a rung where the generator lagged or ran out of CPU is the generator's; its lag counts in every latency", () => {
  assert.equal(generatorBound(rung(4000, { sendLagP99Ms: 12, p99Ms: 58 })), true);
  assert.equal(generatorBound(rung(4000, { generatorCores: 0.97, p99Ms: 300 })), true);
  assert.equal(generatorBound(rung(4000, { sendLagP99Ms: 6, p99Ms: 58 })), false);
  // A lag of 20 ms does not explain a p99 of 1.5 s: that failure is the server's.
  assert.equal(generatorBound(rung(4000, { sendLagP99Ms: 20, p99Ms: 1500 })), false);
  // The lag is inside the latency it made worse: a rung within budget passes all the same.
  assert.equal(rungPasses(rung(4000, { sendLagP99Ms: 12, p99Ms: 30 })), true);
});

test("the highest rate is the highest passing rung, and names what stopped the climb", () => {
  const sweep = [rung(250), rung(500), rung(1000), rung(1500, { p99Ms: 80 }), rung(2000, { p99Ms: 400, errors: 30 })];
  assert.deepEqual(highestPassingRate(sweep), { ratePerSecond: 1000, limitedBy: "server" });
  const generatorLimited = [rung(1000), rung(2000, { sendLagP99Ms: 20, p99Ms: 70 }), rung(3000, { sendLagP99Ms: 40, p99Ms: 90 })];
  assert.deepEqual(highestPassingRate(generatorLimited), { ratePerSecond: 1000, limitedBy: "generator" });
  assert.deepEqual(highestPassingRate([rung(250), rung(500)]), { ratePerSecond: 500, limitedBy: "ladder" });
});

test("a failure below a pass is the machine's hiccup: the pass above it counts", () => {
  const sweep = [rung(250), rung(500, { p99Ms: 70 }), rung(1000), rung(1500, { p99Ms: 90 })];
  assert.deepEqual(highestPassingRate(sweep), { ratePerSecond: 1000, limitedBy: "server" });
});

test("no passing rung: no rate", () => {
  assert.deepEqual(highestPassingRate([rung(250, { errors: 2 }), rung(500, { errors: 9 })]), { ratePerSecond: undefined, limitedBy: "server" });
});

test("a sweep stops climbing at its second failing rung, not its first", () => {
  assert.equal(ladderDone([rung(250), rung(500, { p99Ms: 60 })]), false);
  assert.equal(ladderDone([rung(250), rung(500, { p99Ms: 60 }), rung(1000)]), false);
  assert.equal(ladderDone([rung(250), rung(500, { p99Ms: 60 }), rung(1000), rung(1500, { errors: 1 })]), true);
});

test("several runs of a rate make one rung: the median run by p99 stands for it, every run's errors count", () => {
  const stalled = rung(1000, { p99Ms: 140, maxMs: 180, calls: 5000 });
  const combined = combineRuns([rung(1000, { p99Ms: 12, maxMs: 20, calls: 5000 }), stalled, rung(1000, { p99Ms: 15, maxMs: 22, calls: 5000 })]);
  assert.equal(combined.p99Ms, 15);
  assert.deepEqual(combined.p99RunsMs, [12, 140, 15]);
  assert.equal(combined.maxMs, 180);
  assert.equal(combined.calls, 15_000);
  assert.equal(rungPasses(combined), true);
  const withError = combineRuns([rung(1000, { p99Ms: 12 }), rung(1000, { p99Ms: 13, errors: 1, errorKinds: { timeout: 1 } }), rung(1000, { p99Ms: 14 })]);
  assert.equal(withError.errors, 1);
  assert.deepEqual(withError.errorKinds, { timeout: 1 });
  assert.equal(rungPasses(withError), false);
  assert.equal(combineRuns([stalled]), stalled);
});
