/**
 * An estimate or a diff for tools (`--json`): the same lines, subtotals,
 * assumptions and the sourced prices they used.
 */
import { ASSUMPTIONS, type AssumptionKey } from "./assumptions.ts";
import type { EstimateDiff } from "./diff.ts";
import { type Estimate, unconfirmedPrices } from "./estimate.ts";
import type { PriceId } from "./price-book.ts";
import { NOT_COUNTED } from "./render.ts";

function assumptionsJson(estimate: Estimate) {
  return Object.fromEntries(
    (Object.keys(ASSUMPTIONS) as AssumptionKey[]).map((key) => [
      key,
      { value: estimate.assumptions.values[key], origin: estimate.assumptions.origin[key], flag: `--${ASSUMPTIONS[key].flag}`, means: ASSUMPTIONS[key].means },
    ]),
  );
}

function pricesJson(estimate: Estimate) {
  const used = new Set<PriceId>(estimate.lines.flatMap((line) => line.prices));
  return Object.fromEntries([...used].map((id) => [id, estimate.book.prices[id]]));
}

export function estimateJson(estimate: Estimate) {
  return {
    stack: estimate.stack,
    origin: estimate.origin,
    currency: "USD",
    month: "30 days",
    freeTier: estimate.freeTier,
    total: estimate.total,
    subtotals: estimate.subtotals,
    lines: estimate.lines,
    assumptions: assumptionsJson(estimate),
    prices: pricesJson(estimate),
    freeTierAllowances: estimate.book.freeTier,
    unconfirmedPrices: unconfirmedPrices(estimate),
    notCounted: NOT_COUNTED,
  };
}

export function diffJson(diff: EstimateDiff) {
  return {
    stack: diff.stack,
    before: diff.before.origin,
    after: diff.after.origin,
    currency: "USD",
    month: "30 days",
    freeTier: diff.after.freeTier,
    total: diff.total,
    subtotals: diff.subtotals,
    lines: diff.lines.map(({ sides, ...line }) => ({ ...line, prices: (sides.after ?? sides.before)?.prices ?? [] })),
    unconfirmedPrices: [...new Set([...unconfirmedPrices(diff.before), ...unconfirmedPrices(diff.after)])],
    estimates: { before: estimateJson(diff.before), after: estimateJson(diff.after) },
  };
}
