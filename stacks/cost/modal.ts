/**
 * Modal: the container-seconds of modal tool calls, the containers that
 * `min_containers` keeps warm in every deployed app (one per API version and
 * color, since both colors stay deployed), a GPU if the containers have one,
 * and the monthly credit of the Starter plan.
 */
import { COLORS, type StackConfig } from "../schema.ts";
import { type Assumptions, MODAL_GPUS } from "./assumptions.ts";
import { type CostLine, SECONDS_PER_MONTH } from "./line.ts";
import { amount } from "./money.ts";
import { charge, type PriceBook, type PriceId } from "./price-book.ts";

/** What one container of the assumed size costs per second (CPU and memory; GPU apart). */
export function containerUsdPerSecond(a: Assumptions, book: PriceBook): number {
  return charge(book.prices.modalCpuCore, a.modalCpuCores) + charge(book.prices.modalMemory, a.modalMemoryGib);
}

export function modalLines(config: StackConfig, a: Assumptions, book: PriceBook): CostLine[] {
  const platform = "modal" as const;
  const perSecond = containerUsdPerSecond(a, book);
  const container = `${a.modalCpuCores} core, ${a.modalMemoryGib} GiB`;
  const calls = a.toolCallsPerMonth * a.placement.modal;
  const callSeconds = calls * a.modalSeconds;
  const apps = Object.keys(config.apiVersions).length * COLORS.length;
  const warmSeconds = config.modal.minContainers * apps * SECONDS_PER_MONTH;
  const containerPrices: PriceId[] = ["modalCpuCore", "modalMemory"];

  const lines: CostLine[] = [
    {
      platform,
      driver: "modal.calls",
      label: `tool calls: ${amount(calls)} × ${a.modalSeconds} s (${container})`,
      quantity: callSeconds,
      unit: "container-second",
      included: 0,
      usd: callSeconds * perSecond,
      prices: containerPrices,
    },
    {
      platform,
      driver: "modal.keepWarm",
      label: `keep-warm: min_containers ${config.modal.minContainers} × ${apps} apps (API versions × colors), all month`,
      quantity: warmSeconds,
      unit: "container-second",
      included: 0,
      usd: warmSeconds * perSecond,
      prices: containerPrices,
    },
  ];
  if (a.modalGpu !== "none") {
    const price = MODAL_GPUS[a.modalGpu];
    const gpuSeconds = callSeconds + warmSeconds;
    lines.push({ platform, driver: "modal.gpu", label: `GPU ${a.modalGpu}, calls and warm containers`, quantity: gpuSeconds, unit: "GPU-second", included: 0, usd: charge(book.prices[price], gpuSeconds), prices: [price] });
  }
  const credit = book.freeTier.modalMonthlyCredit?.quantity ?? 0;
  if (credit > 0) {
    const spent = lines.reduce((sum, line) => sum + line.usd, 0);
    const used = Math.min(credit, spent);
    lines.push({ platform, driver: "modal.credit", label: `monthly credit ($${credit}, Starter plan)`, quantity: used, unit: "USD", included: 0, usd: -used, prices: [] });
  }
  return lines;
}
