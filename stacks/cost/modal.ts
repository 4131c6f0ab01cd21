/**
 * Modal: the container-seconds of modal tool calls, the containers that
 * `min_containers` keeps warm in every deployed app (one per API version and
 * color, since both colors stay deployed), a GPU if the containers have one,
 * each tool's own Function at its declared size and GPU, and the monthly
 * credit of the Starter plan.
 */
import { tools as workingTreeTools } from "../../app/src/tools/index.ts";
import type { ModalCompute } from "../../app/src/tools/modal-compute.ts";
import { toolFunctions, workingTreeCompute } from "../../infra/modal-functions.ts";
import { COLORS, type StackConfig } from "../schema.ts";
import { type Assumptions, MODAL_GPUS } from "./assumptions.ts";
import { type CostLine, SECONDS_PER_MONTH } from "./line.ts";
import { amount } from "./money.ts";
import { charge, type PriceBook, type PriceId } from "./price-book.ts";

/** What one container of the assumed size costs per second (CPU and memory; GPU apart). */
export function containerUsdPerSecond(a: Assumptions, book: PriceBook): number {
  return charge(book.prices.modalCpuCore, a.modalCpuCores) + charge(book.prices.modalMemory, a.modalMemoryGib);
}

/** How many tools are placed on Modal, and the compute of those with a Function of their own. */
export interface ModalTools {
  count: number;
  declared: Record<string, ModalCompute>;
}

/** The working tree's Modal tools; a pinned release may differ, which `cost` does not read. */
function modalTools(): ModalTools {
  const modal = workingTreeTools.filter((tool) => tool.placement === "modal");
  return { count: modal.length, declared: workingTreeCompute() };
}

export function modalLines(config: StackConfig, a: Assumptions, book: PriceBook, tools: ModalTools = modalTools()): CostLine[] {
  const platform = "modal" as const;
  const perSecond = containerUsdPerSecond(a, book);
  const container = `${a.modalCpuCores} core, ${a.modalMemoryGib} GiB`;
  const allCalls = a.toolCallsPerMonth * a.placement.modal;
  // Modal calls are split evenly over the Modal tools; those of a tool with its own Function are priced below, at its size.
  const ownShare = tools.count === 0 ? 0 : Object.keys(tools.declared).length / tools.count;
  const calls = allCalls * (1 - ownShare);
  const callSeconds = calls * a.modalSeconds;
  const apps = Object.keys(config.apiVersions).length * COLORS.length;
  const warmSeconds = config.modal.minContainers * apps * SECONDS_PER_MONTH;
  const containerPrices: PriceId[] = ["modalCpuCore", "modalMemory"];

  const lines: CostLine[] = [
    {
      platform,
      driver: "modal.calls",
      label: `tool calls in the web function: ${amount(calls)} × ${a.modalSeconds} s (${container})`,
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
  lines.push(...toolFunctionLines(config, a, book, tools, allCalls / Math.max(1, tools.count), apps));
  const credit = book.freeTier.modalMonthlyCredit?.quantity ?? 0;
  if (credit > 0) {
    const spent = lines.reduce((sum, line) => sum + line.usd, 0);
    const used = Math.min(credit, spent);
    lines.push({ platform, driver: "modal.credit", label: `monthly credit ($${credit}, Starter plan)`, quantity: used, unit: "USD", included: 0, usd: -used, prices: [] });
  }
  return lines;
}

/**
 * Each tool's own Function, at the CPU, memory and GPU it declares (Modal's
 * defaults where it declares none) and the stack's GPU and warm containers:
 * its share of the calls, and `min_containers` warm in every app, all month.
 */
function toolFunctionLines(config: StackConfig, a: Assumptions, book: PriceBook, tools: ModalTools, callsPerTool: number, apps: number): CostLine[] {
  const platform = "modal" as const;
  const functions = toolFunctions(tools.declared, config.modal);
  return Object.entries(functions).flatMap(([tool, settings]) => {
    const compute = tools.declared[tool]!;
    const cores = compute.cpu ?? 0.125;
    const gib = (compute.memoryMb ?? 128) / 1024;
    const gpuPrice = settings.gpu === "none" ? undefined : MODAL_GPUS[settings.gpu];
    const perSecond = charge(book.prices.modalCpuCore, cores) + charge(book.prices.modalMemory, gib) + (gpuPrice ? charge(book.prices[gpuPrice], 1) : 0);
    const size = `${cores} core, ${amount(gib)} GiB${gpuPrice ? `, ${settings.gpu}` : ", no GPU"}`;
    const prices: PriceId[] = ["modalCpuCore", "modalMemory", ...(gpuPrice ? [gpuPrice] : [])];
    const callSeconds = callsPerTool * a.modalSeconds;
    const warmSeconds = settings.minContainers * apps * SECONDS_PER_MONTH;
    return [
      { platform, driver: `modal.fn.${tool}.calls`, label: `${tool} Function calls: ${amount(callsPerTool)} × ${a.modalSeconds} s (${size})`, quantity: callSeconds, unit: "container-second", included: 0, usd: callSeconds * perSecond, prices },
      { platform, driver: `modal.fn.${tool}.keepWarm`, label: `${tool} Function keep-warm: min_containers ${settings.minContainers} × ${apps} apps, all month (${size})`, quantity: warmSeconds, unit: "container-second", included: 0, usd: warmSeconds * perSecond, prices },
    ];
  });
}
