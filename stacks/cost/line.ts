/**
 * One line of an estimate: one cost driver of one platform, what was used, what
 * the free tier covered, and what the rest costs.
 */
import { type AllowanceId, charge, type Platform, type PriceBook, type PriceId } from "./price-book.ts";

/** Fly bills a month as 30 days of runtime; every monthly figure here uses the same month. */
export const SECONDS_PER_MONTH = 30 * 24 * 3600;

export interface CostLine {
  platform: Platform;
  /** Stable id of the driver, for diffs. @example "fly.machine.iad" */
  driver: string;
  /** What people read. @example "machine shared-cpu-2x 1024 MB in iad, always on" */
  label: string;
  /** What was used this month, in `unit`. */
  quantity: number;
  unit: string;
  /** How much of `quantity` the free tier covered. */
  included: number;
  usd: number;
  /** The prices (and allowances) this line used. */
  prices: PriceId[];
}

export interface UsageLine {
  platform: Platform;
  driver: string;
  label: string;
  quantity: number;
  price: PriceId;
  /** The free-tier allowance that covers part of `quantity`, if the vendor publishes one. */
  allowance?: AllowanceId;
  /** Multiplies the price (e.g. a Fly region's markup). @default 1 */
  factor?: number;
}

/** A line charged at one price, less the free-tier allowance when it is modelled. */
export function usageLine(book: PriceBook, line: UsageLine): CostLine {
  const price = book.prices[line.price];
  const included = Math.min(line.quantity, (line.allowance && book.freeTier[line.allowance]?.quantity) || 0);
  return {
    platform: line.platform,
    driver: line.driver,
    label: line.label,
    quantity: line.quantity,
    unit: price.unit,
    included,
    usd: charge(price, line.quantity - included) * (line.factor ?? 1),
    prices: [line.price],
  };
}
