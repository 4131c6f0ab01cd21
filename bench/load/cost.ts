/**
 * A sweep's highest rate as a price: what a million calls cost on the CPU
 * that served them, with the prices of stacks/cost/prices.json (the ones
 * `npm run cost` charges), so the bench and the cost model use one number.
 */
import { charge, type PriceBook } from "../../stacks/cost/price-book.ts";

/** USD per million calls on one core billed at `usdPerCoreSecond`, at `callsPerCoreSecond`. */
export function costPerMillionCalls(callsPerCoreSecond: number, usdPerCoreSecond: number): number {
  if (!(callsPerCoreSecond > 0)) throw new Error(`expected a positive rate per core, got ${callsPerCoreSecond}`);
  return (usdPerCoreSecond / callsPerCoreSecond) * 1_000_000;
}

/** A Fly shared-cpu-1x: one shared vCPU (256 MB included), per second, in iad. */
export function flySharedCpuUsdPerSecond(book: PriceBook): number {
  return charge(book.prices.flySharedCpu, 1);
}

/**
 * What Workers bill per million calls whatever their speed: the Worker
 * request and the Durable Object request each call makes (a session's object
 * for 2025-11-25, the principal's rate-limit object for 2026-07-28), beyond
 * the plan's allowances. CPU time and Durable Object duration come on top.
 */
export function workersRequestUsdPerMillion(book: PriceBook): number {
  return charge(book.prices.workerRequests, 1_000_000) + charge(book.prices.durableObjectRequests, 1_000_000);
}
