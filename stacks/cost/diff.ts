/**
 * The monthly delta between two estimates of the same stack (before and after
 * a config change), per cost driver, per platform and in total.
 */
import type { Estimate } from "./estimate.ts";
import type { CostLine } from "./line.ts";
import { type Platform, PLATFORMS } from "./price-book.ts";

export interface Change {
  before: number;
  after: number;
  delta: number;
}

export interface LineChange extends Change {
  platform: Platform;
  driver: string;
  label: string;
  /** Present only after (added) or only before (removed) the change. */
  status: "added" | "removed" | "changed";
  /** Lines on either side, for their prices and quantities. */
  sides: { before?: CostLine; after?: CostLine };
}

export interface EstimateDiff {
  stack: string;
  before: Estimate;
  after: Estimate;
  /** Only the drivers whose cost changed, in the order of the after estimate, removed ones last. */
  lines: LineChange[];
  subtotals: Record<Platform, Change>;
  total: Change;
}

/** Below a hundredth of a cent a change is rounding, not a change. */
const EPSILON = 1e-6;

function change(before: number, after: number): Change {
  return { before, after, delta: after - before };
}

export function diffEstimates(before: Estimate, after: Estimate): EstimateDiff {
  const old = new Map(before.lines.map((line) => [line.driver, line]));
  const lines: LineChange[] = [];
  for (const line of after.lines) {
    const was = old.get(line.driver);
    old.delete(line.driver);
    const c = change(was?.usd ?? 0, line.usd);
    if (Math.abs(c.delta) < EPSILON) continue;
    lines.push({ ...c, platform: line.platform, driver: line.driver, label: line.label, status: was ? "changed" : "added", sides: { ...(was ? { before: was } : {}), after: line } });
  }
  for (const was of old.values()) {
    if (Math.abs(was.usd) < EPSILON) continue;
    lines.push({ ...change(was.usd, 0), platform: was.platform, driver: was.driver, label: was.label, status: "removed", sides: { before: was } });
  }
  const subtotals = Object.fromEntries(PLATFORMS.map((p) => [p, change(before.subtotals[p], after.subtotals[p])])) as Record<Platform, Change>;
  return { stack: after.stack, before, after, lines, subtotals, total: change(before.total, after.total) };
}
