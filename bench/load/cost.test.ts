import assert from "node:assert/strict";
import { test } from "node:test";
import { priceBook } from "../../stacks/cost/price-book.ts";
import { costPerMillionCalls, flySharedCpuUsdPerSecond, workersRequestUsdPerMillion } from "./cost.ts";

test("a core at $0.00000075 a second serving 1,000 calls a second costs $0.00075 per million calls", () => {
  // A million calls take 1,000 core-seconds.
  assert.equal(costPerMillionCalls(1000, 0.00000075).toFixed(8), "0.00075000");
});

test("twice the rate per core halves the cost per call", () => {
  assert.equal(costPerMillionCalls(3000, 0.001), costPerMillionCalls(1500, 0.001) / 2);
});

test("a rate that is not positive has no cost per call", () => {
  assert.throws(() => costPerMillionCalls(0, 0.001), /expected a positive rate per core/);
});

test("the Fly price is prices.json's shared vCPU-second, overrides included, as npm run cost charges it", () => {
  assert.equal(flySharedCpuUsdPerSecond(priceBook()), 0.00000075);
  assert.equal(flySharedCpuUsdPerSecond(priceBook({ overrides: { flySharedCpu: 0.000001 } })), 0.000001);
  // 30 days of it is the $1.94 a month of a shared-cpu-1x in iad.
  assert.equal((flySharedCpuUsdPerSecond(priceBook()) * 30 * 24 * 3600).toFixed(2), "1.94");
});

test("on Workers a million calls cost a Worker request and a Durable Object request each, from prices.json", () => {
  assert.equal(workersRequestUsdPerMillion(priceBook()).toFixed(2), "0.45");
  assert.equal(workersRequestUsdPerMillion(priceBook({ overrides: { workerRequests: 0.5 } })).toFixed(2), "0.65");
});
