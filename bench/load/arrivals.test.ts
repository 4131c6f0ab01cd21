import assert from "node:assert/strict";
import { test } from "node:test";
import { poissonArrivals, seededRandom } from "./arrivals.ts";

test("the same seed offers the same schedule; another seed another one", () => {
  assert.deepEqual(poissonArrivals(500, 2000, 7), poissonArrivals(500, 2000, 7));
  assert.notDeepEqual(poissonArrivals(500, 2000, 7), poissonArrivals(500, 2000, 8));
});

test("arrivals ascend, start at or after 0 and end before the duration", () => {
  const times = poissonArrivals(2000, 3000, 1);
  assert.ok(times[0]! >= 0);
  assert.ok(times.at(-1)! < 3000);
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `arrival ${i} goes back in time`);
});

test("the offered rate is kept: 1,000/s for 20 s is 20,000 calls give or take four standard deviations", () => {
  const count = poissonArrivals(1000, 20_000, 42).length;
  // A Poisson count has variance equal to its mean: sd = sqrt(20,000) ≈ 141.
  assert.ok(Math.abs(count - 20_000) < 4 * Math.sqrt(20_000), `got ${count}`);
});

test("gaps are exponential, not evenly spaced: their spread equals their mean (coefficient of variation ≈ 1)", () => {
  const times = poissonArrivals(1000, 20_000, 3);
  const gaps = Array.from(times.subarray(1), (at, i) => at - times[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length);
  assert.ok(Math.abs(mean - 1) < 0.05, `mean gap ${mean} ms`);
  assert.ok(Math.abs(sd / mean - 1) < 0.05, `coefficient of variation ${sd / mean}`);
  // Bursts happen: some calls are sent less than a tenth of the mean gap after the one before.
  assert.ok(gaps.filter((gap) => gap < 0.1).length > gaps.length * 0.05);
});

test("the generator is uniform in [0, 1)", () => {
  const random = seededRandom(99);
  const draws = Array.from({ length: 100_000 }, random);
  assert.ok(draws.every((x) => x >= 0 && x < 1));
  const lowHalf = draws.filter((x) => x < 0.5).length / draws.length;
  assert.ok(Math.abs(lowHalf - 0.5) < 0.01, `share below 0.5: ${lowHalf}`);
});

test("a rate or duration that is not positive is refused with what was expected", () => {
  assert.throws(() => poissonArrivals(0, 1000, 1), /expected a positive rate and duration/);
  assert.throws(() => poissonArrivals(100, -5, 1), /expected a positive rate and duration/);
});
