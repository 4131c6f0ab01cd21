/**
 * Fly.io: a machine and a volume in every region (priced by the region), and
 * the egress of fly tool calls, split evenly over the regions. New Fly
 * organizations have no free allowance.
 */
import { FLY_MACHINE_SIZES, type FlyRegion } from "../fly.ts";
import type { StackConfig } from "../schema.ts";
import type { Assumptions } from "./assumptions.ts";
import { type CostLine, SECONDS_PER_MONTH, usageLine } from "./line.ts";
import { charge, type PriceBook, type PriceId } from "./price-book.ts";

/** Fly prices outbound data by the region group a machine is in. */
const EGRESS_GROUPS = {
  flyEgressNorthAmericaEurope: { name: "North America and Europe", regions: ["ams", "arn", "cdg", "dfw", "ewr", "fra", "iad", "lax", "lhr", "ord", "sjc", "yyz"] },
  flyEgressAsiaPacific: { name: "Asia Pacific, Oceania and South America", regions: ["gru", "nrt", "sin", "syd"] },
  flyEgressAfricaIndia: { name: "Africa and India", regions: ["bom", "jnb"] },
} as const satisfies Record<string, { name: string; regions: readonly FlyRegion[] }>;

type EgressPrice = keyof typeof EGRESS_GROUPS;

export function egressPriceOf(region: FlyRegion): EgressPrice {
  for (const [price, group] of Object.entries(EGRESS_GROUPS) as [EgressPrice, (typeof EGRESS_GROUPS)[EgressPrice]][]) {
    if ((group.regions as readonly string[]).includes(region)) return price;
  }
  throw new Error(`no Fly egress price group lists region ${region}`);
}

/** What one machine of the stack's size costs per second of running in `region`. */
export function machineUsdPerSecond(config: StackConfig, region: FlyRegion, book: PriceBook): number {
  const size = FLY_MACHINE_SIZES[config.fly.machine.size];
  const cpuPrice = book.prices[size.cpuKind === "shared" ? "flySharedCpu" : "flyPerformanceCpu"];
  const includedGb = (size.minMemoryMb / 1024);
  const extraGb = Math.max(0, config.fly.machine.memoryMb / 1024 - includedGb);
  const markup = book.flyRegionMarkup.regions[region] ?? 1;
  return (charge(cpuPrice, size.cpus) + charge(book.prices.flyRam, extraGb)) * markup;
}

function runningWords(share: number): string {
  return share >= 1 ? "always on" : `running ${Number((share * 100).toFixed(1))}% of the month (auto-stop)`;
}

export function flyLines(config: StackConfig, a: Assumptions, book: PriceBook): CostLine[] {
  const { fly } = config;
  const size = FLY_MACHINE_SIZES[fly.machine.size];
  const cpuPrice: PriceId = size.cpuKind === "shared" ? "flySharedCpu" : "flyPerformanceCpu";
  const running = SECONDS_PER_MONTH * a.flyRunningShare;
  const lines: CostLine[] = [];

  for (const region of fly.regions) {
    lines.push({
      platform: "fly",
      driver: `fly.machine.${region}`,
      label: `machine ${fly.machine.size} ${fly.machine.memoryMb} MB in ${region}${region === fly.primaryRegion ? " (primary)" : ""}, ${runningWords(a.flyRunningShare)}`,
      quantity: running,
      unit: "second",
      included: 0,
      usd: machineUsdPerSecond(config, region, book) * running,
      prices: [cpuPrice, "flyRam"],
    });
    lines.push(
      usageLine(book, { platform: "fly", driver: `fly.volume.${region}`, label: `volume ${fly.volumeSizeGb} GB in ${region}`, quantity: fly.volumeSizeGb, price: "flyVolume" }),
    );
  }

  // Fly tool calls are answered by the nearest region; with no better knowledge, evenly.
  const egressGb = (a.toolCallsPerMonth * a.placement.fly * a.responseKb) / 1e6;
  const byGroup = new Map<EgressPrice, number>();
  for (const region of fly.regions) {
    const price = egressPriceOf(region);
    byGroup.set(price, (byGroup.get(price) ?? 0) + egressGb / fly.regions.length);
  }
  for (const [price, gb] of byGroup) {
    lines.push(usageLine(book, { platform: "fly", driver: `fly.${price}`, label: `egress from ${EGRESS_GROUPS[price].name}`, quantity: gb, price }));
  }
  return lines;
}
