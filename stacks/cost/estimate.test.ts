import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { FLY_REGIONS } from "../fly.ts";
import { parseStackFile } from "../load.ts";
import type { StackConfig } from "../schema.ts";
import { type Assumptions, resolveAssumptions } from "./assumptions.ts";
import { type Estimate, estimateStack, unconfirmedPrices } from "./estimate.ts";
import { egressPriceOf, machineUsdPerSecond } from "./fly.ts";
import { SECONDS_PER_MONTH } from "./line.ts";
import type { ModalTools } from "./modal.ts";
import { PLATFORMS, priceBook, type PriceOverrides, PRICE_IDS } from "./price-book.ts";
import file from "./prices.json" with { type: "json" };

const root = join(import.meta.dirname, "..", "..");
const stackFile = (stack: string) => parseStackFile(join(root, `Pulumi.${stack}.yaml`));

function estimate(config: StackConfig, flags: Partial<Assumptions> = {}, options: { overrides?: PriceOverrides; freeTier?: boolean; modalTools?: ModalTools } = {}): Estimate {
  return estimateStack({ stack: "test", origin: "test", config, modalTools: options.modalTools }, resolveAssumptions(config.cost, flags), priceBook(options));
}

const driver = (e: Estimate, id: string) => e.lines.find((line) => line.driver === id);

/**
 * The hosting comparison prices a standard Modal container as a unit, at
 * $0.000463/s: one core at that price and memory at nothing is that container.
 */
function modalOnlyCalls(calls: number, seconds: number): Estimate {
  const { config } = stackFile("staging");
  assert.equal(config.modal.minContainers, 0, "staging keeps no container warm");
  return estimate(
    config,
    { toolCallsPerMonth: calls, placement: { edge: 0, fly: 0, modal: 1 }, modalSeconds: seconds, modalCpuCores: 1 },
    // one Modal tool in the web function: every call in the standard container
    { overrides: { modalCpuCore: 0.000463, modalMemory: 0 }, freeTier: false, modalTools: { count: 1, declared: {} } },
  );
}

test("10,000 Modal calls of 200 ms cost about $0.93 a month", () => {
  const modal = modalOnlyCalls(10_000, 0.2).subtotals.modal;
  assert.ok(Math.abs(modal - 0.926) < 1e-9, `got ${modal}`);
  assert.equal(modal.toFixed(2), "0.93");
});

test("500,000 Modal calls of 200 ms cost about $46 a month", () => {
  const modal = modalOnlyCalls(500_000, 0.2).subtotals.modal;
  assert.ok(Math.abs(modal - 46.3) < 1e-9, `got ${modal}`);
});

test("at 50 ms the same 500,000 calls cost about $11.50 a month", () => {
  const modal = modalOnlyCalls(500_000, 0.05).subtotals.modal;
  assert.ok(Math.abs(modal - 11.575) < 1e-9, `got ${modal}`);
});

test("a Fly shared-cpu-1x 256 MB machine in iad costs $1.94 a month, always on", () => {
  const { config } = stackFile("staging");
  const small = { ...config, fly: { ...config.fly, machine: { size: "shared-cpu-1x" as const, memoryMb: 256 } } };
  assert.equal((machineUsdPerSecond(small, "iad", priceBook()) * SECONDS_PER_MONTH).toFixed(2), "1.94");
  assert.equal(driver(estimate(small), "fly.machine.iad")?.usd.toFixed(2), "1.94");
});

test("Durable Object requests cost $0.15 per million beyond the included million, and all of them without the free tier", () => {
  const { config } = stackFile("staging");
  const calls = { toolCallsPerMonth: 3_000_000, workerRequestsPerCall: 1 };
  assert.ok(Math.abs((driver(estimate(config, calls), "cloudflare.durableObjectRequests")?.usd ?? NaN) - 0.3) < 1e-12);
  assert.ok(Math.abs((driver(estimate(config, calls, { freeTier: false }), "cloudflare.durableObjectRequests")?.usd ?? NaN) - 0.45) < 1e-12);
});

test("each committed stack file evaluates to an estimate with every platform and a positive total", () => {
  for (const stack of ["staging", "prod"]) {
    const { config } = stackFile(stack);
    const result = estimate(config);
    for (const platform of PLATFORMS) assert.ok(result.lines.some((line) => line.platform === platform), `${stack} has ${platform} lines`);
    assert.ok(Number.isFinite(result.total) && result.total > 0, `${stack} total ${result.total}`);
    assert.equal(result.lines.filter((line) => line.driver.startsWith("fly.machine.")).length, config.fly.regions.length);
  }
});

test("keep-warm counts min_containers in every deployed Modal app: each API version has a blue and a green app", () => {
  const { config } = stackFile("prod");
  const keepWarm = driver(estimate(config), "modal.keepWarm");
  assert.equal(keepWarm?.quantity, config.modal.minContainers * 2 * 2 * SECONDS_PER_MONTH);
});

test("the Modal credit covers Modal up to $30 and is gone with --no-free-tier", () => {
  const { config } = stackFile("prod");
  const warm = { ...config, modal: { ...config.modal, minContainers: 10 } };
  assert.ok(estimate(warm).subtotals.modal > 0, "ten warm containers per app outrun the credit");
  assert.equal(Math.round((estimate(warm, {}, { freeTier: false }).subtotals.modal - estimate(warm).subtotals.modal) * 100) / 100, 30);
  assert.equal(driver(estimate(config, {}, { freeTier: false }), "modal.credit"), undefined);
});

test("a GPU adds GPU-seconds for calls and warm containers", () => {
  const { config } = stackFile("prod");
  const without = estimate(config, { modalGpu: "none" });
  const withGpu = estimate(config, { modalGpu: "T4" });
  const gpu = driver(withGpu, "modal.gpu");
  assert.equal(driver(without, "modal.gpu"), undefined);
  assert.equal(gpu?.quantity, (driver(without, "modal.calls")?.quantity ?? 0) + (driver(without, "modal.keepWarm")?.quantity ?? 0));
  assert.deepEqual(gpu?.prices, ["modalGpuT4"]);
});

test("with auto-stop a machine costs its share of the month; the volume stays whole", () => {
  const { config } = stackFile("staging");
  const always = estimate(config);
  const quarter = estimate(config, { flyRunningShare: 0.25 });
  assert.ok(Math.abs((driver(quarter, "fly.machine.iad")?.usd ?? 0) * 4 - (driver(always, "fly.machine.iad")?.usd ?? 0)) < 1e-9);
  assert.equal(driver(quarter, "fly.volume.iad")?.usd, driver(always, "fly.volume.iad")?.usd);
  assert.match(driver(quarter, "fly.machine.iad")?.label ?? "", /running 25% of the month \(auto-stop\)/);
});

test("a price the stack overrides is used and marked overridden", () => {
  const { config } = stackFile("staging");
  const result = estimate(config, {}, { overrides: { flyVolume: 0.3 } });
  assert.equal(driver(result, "fly.volume.iad")?.usd, config.fly.volumeSizeGb * 0.3);
  assert.equal(result.book.prices.flyVolume.overridden, true);
});

test("lines charged at unconfirmed prices are reported as such", () => {
  const { config } = stackFile("prod");
  const unconfirmed = unconfirmedPrices(estimate(config));
  assert.ok(unconfirmed.includes("modalCpuCore"));
  assert.ok(!unconfirmed.includes("workerRequests"));
});

test("every price in the file has a unit, a source page, an as-of date and says whether it is confirmed", () => {
  for (const id of PRICE_IDS) {
    const price = file.prices[id] as Record<string, unknown>;
    assert.ok(typeof price.usd === "number" && price.usd >= 0, `${id}.usd`);
    assert.ok(typeof price.per === "number" && price.per > 0, `${id}.per`);
    assert.ok(typeof price.unit === "string" && price.unit !== "", `${id}.unit`);
    assert.match(String(price.source), /^https:\/\//, `${id}.source`);
    assert.match(String(price.asOf), /^\d{4}-\d{2}-\d{2}$/, `${id}.asOf`);
    assert.equal(typeof price.confirmed, "boolean", `${id}.confirmed`);
  }
  for (const [id, allowance] of Object.entries(file.freeTier)) {
    assert.match(allowance.source, /^https:\/\//, `freeTier.${id}.source`);
    assert.equal(typeof allowance.confirmed, "boolean", `freeTier.${id}.confirmed`);
  }
});

test("every Fly region a stack may name has a machine price markup and an egress price", () => {
  for (const region of FLY_REGIONS) {
    assert.ok(file.flyRegionMarkup.regions[region] >= 1, `${region} markup`);
    assert.doesNotThrow(() => egressPriceOf(region));
  }
});

test("a tool's own Modal Function is priced at its declared size and the stack's GPU, warm all month in every app", () => {
  const prod = stackFile("prod").config;
  const config = { ...prod, modal: { ...prod.modal, tools: { csv_cluster: { ...prod.modal.tools.csv_cluster, minContainers: 1 } } } };
  const tools: ModalTools = { count: 2, declared: { csv_cluster: { gpu: "T4", cpu: 2, memoryMb: 4096 } } };
  const e = estimate(config, { toolCallsPerMonth: 1_000_000, placement: { edge: 0.5, fly: 0.3, modal: 0.2 }, modalSeconds: 0.2 }, { modalTools: tools, freeTier: false });
  const book = priceBook();
  const perSecond = 2 * book.prices.modalCpuCore.usd + 4 * book.prices.modalMemory.usd + book.prices.modalGpuL4.usd;
  // prod puts csv_cluster on an L4; with one warm container in each of four apps: v1 and v2, blue and green
  const warm = driver(e, "modal.fn.csv_cluster.keepWarm")!;
  assert.equal(warm.quantity, 4 * SECONDS_PER_MONTH);
  assert.ok(Math.abs(warm.usd - 4 * SECONDS_PER_MONTH * perSecond) < 1e-6, `got ${warm.usd}`);
  assert.deepEqual(warm.prices, ["modalCpuCore", "modalMemory", "modalGpuL4"]);
  assert.match(warm.label, /min_containers 1 × 4 apps, all month \(2 core, 4 GiB, L4\)/);
  // half of the 200,000 Modal calls (two Modal tools) run in the Function, the other half in the web function
  const calls = driver(e, "modal.fn.csv_cluster.calls")!;
  assert.equal(calls.quantity, 100_000 * 0.2);
  assert.equal(driver(e, "modal.calls")!.quantity, 100_000 * 0.2);
});

test("staging's csv_cluster runs without a GPU and keeps nothing warm", () => {
  const { config } = stackFile("staging");
  const e = estimate(config, {}, { modalTools: { count: 2, declared: { csv_cluster: { gpu: "T4", cpu: 2, memoryMb: 4096 } } } });
  assert.deepEqual(driver(e, "modal.fn.csv_cluster.calls")!.prices, ["modalCpuCore", "modalMemory"]);
  assert.equal(driver(e, "modal.fn.csv_cluster.keepWarm")!.usd, 0);
});
