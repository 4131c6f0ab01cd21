/**
 * The price book: prices.json, typed, with a stack's overrides applied. Every
 * number the estimate charges comes from here, so every line can say which
 * prices it used and whether each was confirmed on the vendor's page.
 */
import file from "./prices.json" with { type: "json" };

export type Platform = "cloudflare" | "fly" | "modal" | "s3";

export const PLATFORMS: readonly Platform[] = ["cloudflare", "fly", "modal", "s3"];

export interface Sourced {
  /** The page the number comes from. */
  source: string;
  /** The day the source was read, YYYY-MM-DD. */
  asOf: string;
  /** True only where the number was read on the vendor's own pricing page. */
  confirmed: boolean;
  note?: string;
}

export interface Price extends Sourced {
  platform: Platform;
  /** US dollars per `per` units. */
  usd: number;
  per: number;
  unit: string;
  what: string;
  /** True when a stack's cost.prices replaced the file's number. */
  overridden?: boolean;
}

export interface Allowance extends Sourced {
  quantity: number;
  unit: string;
  what: string;
}

type PriceFile = typeof file;
export type PriceId = keyof PriceFile["prices"];
export type AllowanceId = keyof PriceFile["freeTier"];

export const PRICE_IDS = Object.keys(file.prices) as [PriceId, ...PriceId[]];

export interface PriceBook {
  prices: Record<PriceId, Price>;
  /** Machine price of a Fly region relative to iad. */
  flyRegionMarkup: Sourced & { regions: Record<string, number> };
  /** Free-tier allowances; empty when the free tier is switched off. */
  freeTier: Partial<Record<AllowanceId, Allowance>>;
}

export type PriceOverrides = Partial<Record<PriceId, number>>;

export interface PriceBookOptions {
  /** A stack's cost.prices: new `usd` values, in each price's own unit. */
  overrides?: PriceOverrides;
  /** Model published free-tier allowances. @default true */
  freeTier?: boolean;
}

/** The prices of prices.json, overrides applied. */
export function priceBook(options: PriceBookOptions = {}): PriceBook {
  const prices = {} as Record<PriceId, Price>;
  for (const id of PRICE_IDS) {
    const entry = file.prices[id] as Price;
    const override = options.overrides?.[id];
    prices[id] = override === undefined ? { ...entry } : { ...entry, usd: override, overridden: true };
  }
  const freeTier = options.freeTier === false ? {} : (structuredClone(file.freeTier) as Record<AllowanceId, Allowance>);
  return { prices, flyRegionMarkup: file.flyRegionMarkup, freeTier };
}

/** What `quantity` units cost at a price. */
export function charge(price: Price, quantity: number): number {
  return (quantity / price.per) * price.usd;
}

/** "$0.30 per 1,000,000 request" */
export function describePrice(price: Price): string {
  const per = price.per === 1 ? "" : `${price.per.toLocaleString("en-US")} `;
  return `$${price.usd} per ${per}${price.unit}`;
}
