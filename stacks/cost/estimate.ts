/**
 * The monthly estimate of one stack: its config, the traffic assumptions and
 * the price book in, one line per cost driver out, with subtotals per platform.
 */
import type { StackConfig } from "../schema.ts";
import type { ResolvedAssumptions } from "./assumptions.ts";
import { backupLines } from "./backup.ts";
import { cloudflareLines } from "./cloudflare.ts";
import { flyLines } from "./fly.ts";
import type { CostLine } from "./line.ts";
import { modalLines, type ModalTools } from "./modal.ts";
import { type Platform, PLATFORMS, type PriceBook, type PriceId } from "./price-book.ts";

/** The config an estimate is of, and where it was read. */
export interface StackAt {
  stack: string;
  /** @example "Pulumi.prod.yaml", "origin/main:Pulumi.prod.yaml" */
  origin: string;
  config: StackConfig;
  /** The Modal tools priced, and the compute of those with a Function of their own. @default the working tree's */
  modalTools?: ModalTools;
}

export interface Estimate {
  stack: string;
  origin: string;
  lines: CostLine[];
  subtotals: Record<Platform, number>;
  total: number;
  assumptions: ResolvedAssumptions;
  freeTier: boolean;
  book: PriceBook;
}

export function estimateStack({ stack, origin, config, modalTools }: StackAt, assumptions: ResolvedAssumptions, book: PriceBook): Estimate {
  const a = assumptions.values;
  const lines = [...cloudflareLines(config, a, book), ...flyLines(config, a, book), ...modalLines(config, a, book, modalTools), ...backupLines(config, a, book)];
  const subtotals = Object.fromEntries(PLATFORMS.map((p) => [p, 0])) as Record<Platform, number>;
  for (const line of lines) subtotals[line.platform] += line.usd;
  const total = PLATFORMS.reduce((sum, p) => sum + subtotals[p], 0);
  return { stack, origin, lines, subtotals, total, assumptions, freeTier: Object.keys(book.freeTier).length > 0, book };
}

/** The prices an estimate charged with that are not confirmed on the vendor's page. */
export function unconfirmedPrices(estimate: Estimate): PriceId[] {
  const ids = new Set<PriceId>();
  for (const line of estimate.lines) for (const id of line.prices) if (!estimate.book.prices[id].confirmed) ids.add(id);
  return [...ids];
}
