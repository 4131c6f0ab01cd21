import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseStackFile } from "../load.ts";
import type { StackConfig } from "../schema.ts";
import { resolveAssumptions } from "./assumptions.ts";
import { diffEstimates } from "./diff.ts";
import { estimateStack } from "./estimate.ts";
import { machineUsdPerSecond } from "./fly.ts";
import { SECONDS_PER_MONTH } from "./line.ts";
import { priceBook } from "./price-book.ts";

const root = join(import.meta.dirname, "..", "..");
const stackFile = (stack: string) => parseStackFile(join(root, `Pulumi.${stack}.yaml`)).config;
const book = priceBook();

function delta(before: StackConfig, after: StackConfig) {
  const estimate = (config: StackConfig, origin: string) => estimateStack({ stack: "prod", origin, config }, resolveAssumptions(config.cost), book);
  return diffEstimates(estimate(before, "before"), estimate(after, "after"));
}

function withRegion(config: StackConfig, region: "ord" | "lax"): StackConfig {
  return { ...config, fly: { ...config.fly, regions: [...config.fly.regions, region] } };
}

const oneMachine = (config: StackConfig, region: "ord" | "lax") => machineUsdPerSecond(config, region, book) * SECONDS_PER_MONTH;
const oneVolume = (config: StackConfig) => config.fly.volumeSizeGb * book.prices.flyVolume.usd;

test("adding one region in prod adds exactly one machine and one volume; the same traffic only re-splits its egress", () => {
  const prod = stackFile("prod");
  const diff = delta(prod, withRegion(prod, "ord"));
  const added = diff.lines.filter((line) => line.status === "added");
  assert.deepEqual(added.map((line) => line.driver), ["fly.machine.ord", "fly.volume.ord"]);
  assert.equal(added[0]?.delta, oneMachine(prod, "ord"));
  assert.equal(added[1]?.delta, oneVolume(prod));

  // Nothing else changes but the even split of the same Fly egress over five regions instead of four.
  const others = diff.lines.filter((line) => line.status !== "added");
  assert.ok(others.every((line) => line.driver.startsWith("fly.flyEgress")), `only egress re-splits, got ${others.map((l) => l.driver).join(", ")}`);
  const gb = (e: typeof diff.before) => e.lines.filter((l) => l.driver.startsWith("fly.flyEgress")).reduce((sum, l) => sum + l.quantity, 0);
  assert.ok(Math.abs(gb(diff.before) - gb(diff.after)) < 1e-9, "the Fly egress in GB is unchanged");
  assert.ok(Math.abs(diff.total.delta - oneMachine(prod, "ord") - oneVolume(prod)) < 0.01, `total delta ${diff.total.delta}`);
  assert.deepEqual(Object.entries(diff.subtotals).filter(([, c]) => c.delta !== 0).map(([p]) => p), ["fly"]);
});

test("in a stack whose regions share one egress price, adding a region costs exactly one machine plus one volume", () => {
  const staging = stackFile("staging");
  const diff = delta(staging, withRegion(staging, "lax"));
  assert.deepEqual(diff.lines.map((line) => line.driver), ["fly.machine.lax", "fly.volume.lax"]);
  assert.ok(Math.abs(diff.total.delta - (oneMachine(staging, "lax") + oneVolume(staging))) < 1e-12);
});

test("raising min_containers by one adds one warm container to each of prod's four Modal apps", () => {
  const prod = stackFile("prod");
  const raised = { ...prod, modal: { ...prod.modal, minContainers: prod.modal.minContainers + 1 } };
  const diff = delta(prod, raised);
  const keepWarm = diff.lines.find((line) => line.driver === "modal.keepWarm");
  assert.equal(keepWarm?.status, "changed");
  assert.equal((keepWarm?.sides.after?.quantity ?? 0) - (keepWarm?.sides.before?.quantity ?? 0), 4 * SECONDS_PER_MONTH);
});

test("an unchanged stack has no delta", () => {
  const prod = stackFile("prod");
  const diff = delta(prod, prod);
  assert.deepEqual(diff.lines, []);
  assert.equal(diff.total.delta, 0);
});

test("removing a region shows its machine and volume as removed", () => {
  const prod = stackFile("prod");
  const fewer = { ...prod, fly: { ...prod.fly, regions: prod.fly.regions.filter((r) => r !== "nrt") } };
  const removed = delta(prod, fewer).lines.filter((line) => line.status === "removed").map((line) => line.driver);
  assert.deepEqual(removed, ["fly.machine.nrt", "fly.volume.nrt", "fly.flyEgressAsiaPacific"]);
});
