/**
 * An estimate or a diff for people: plain text for a terminal, markdown for a
 * pull-request comment. Both print the assumptions used and mark every line
 * charged at a price not confirmed on the vendor's page.
 */
import { fitColumns, outputWidth, wrap } from "../terminal.ts";
import { ASSUMPTIONS, type AssumptionKey, type Assumptions, type ResolvedAssumptions } from "./assumptions.ts";
import type { EstimateDiff, LineChange } from "./diff.ts";
import { type Estimate, unconfirmedPrices } from "./estimate.ts";
import type { CostLine } from "./line.ts";
import { amount, signedUsd, usd } from "./money.ts";
import { type Platform, PLATFORMS, type PriceBook, type PriceId } from "./price-book.ts";

export const PLATFORM_NAMES: Record<Platform, string> = { cloudflare: "Cloudflare", fly: "Fly.io", modal: "Modal", s3: "S3 backups" };

/** Cost that no line counts, said once in every output. */
export const NOT_COUNTED =
  "Not counted: Fly volume snapshots ($0.08/GB over 10 GB), Fly traffic between regions, a Modal container's idle scaledown window after a burst, taxes.";

const PRICES_FILE = "stacks/cost/prices.json";

function isUnconfirmed(line: CostLine | undefined, book: PriceBook): boolean {
  return line?.prices.some((id) => !book.prices[id].confirmed) ?? false;
}

function showValue(key: AssumptionKey, value: Assumptions[AssumptionKey]): string {
  if (key === "placement") {
    const p = value as Assumptions["placement"];
    return `edge ${p.edge * 100}%, fly ${p.fly * 100}%, modal ${p.modal * 100}%`;
  }
  return typeof value === "number" ? amount(value) : String(value);
}

export function assumptionLines(resolved: ResolvedAssumptions): string[] {
  return (Object.keys(ASSUMPTIONS) as AssumptionKey[]).map((key) => {
    const origin = resolved.origin[key];
    const from = origin === "flag" ? ` (--${ASSUMPTIONS[key].flag})` : origin === "stack" ? " (stack cost:)" : "";
    return `${ASSUMPTIONS[key].means}: ${showValue(key, resolved.values[key])}${from}`;
  });
}

function overrideLines(book: PriceBook): string[] {
  return (Object.keys(book.prices) as PriceId[])
    .filter((id) => book.prices[id].overridden)
    .map((id) => `${id} = $${book.prices[id].usd} per ${book.prices[id].per === 1 ? "" : `${amount(book.prices[id].per)} `}${book.prices[id].unit} (stack cost.prices)`);
}

function freeTierWords(estimate: Estimate): string {
  return estimate.freeTier ? "free-tier allowances modelled (--no-free-tier leaves them out)" : "free-tier allowances left out (--no-free-tier)";
}

function quantityText(line: CostLine): string {
  const included = line.included > 0 ? ` (${amount(line.included)} included)` : "";
  return `${amount(line.quantity)} ${line.unit}${included}`;
}

/** Lays rows out in columns; the last `right` columns are right-aligned. */
/** Aligned columns fitted to the terminal (stacks/terminal.ts). */
function columns(rows: string[][], right: number): string[] {
  return fitColumns(rows, right, outputWidth());
}

/** Prose lines wrapped to the terminal, continuation lines indented like the first. */
function prose(lines: string[]): string[] {
  const width = outputWidth();
  return lines.flatMap((line) => wrap(line, width, (/^\s*/.exec(line)?.[0] ?? "") + "  "));
}

function footer(estimate: Estimate, mark: string): string[] {
  const unconfirmed = unconfirmedPrices(estimate);
  const lines = [`Prices: ${PRICES_FILE}, as of ${latestAsOf(estimate.book)}.`];
  if (unconfirmed.length > 0) lines.push(`${mark} charged at a price not confirmed on the vendor's pricing page: ${unconfirmed.join(", ")}.`);
  return [...lines, ...overrideLines(estimate.book).map((l) => `Override: ${l}`), NOT_COUNTED];
}

function latestAsOf(book: PriceBook): string {
  return Object.values(book.prices).reduce((latest, p) => (p.asOf > latest ? p.asOf : latest), "");
}

export function renderEstimateText(estimate: Estimate): string {
  const rows: string[][] = [];
  for (const platform of PLATFORMS) {
    rows.push([PLATFORM_NAMES[platform], "", usd(estimate.subtotals[platform])]);
    for (const line of estimate.lines.filter((l) => l.platform === platform)) {
      rows.push([`  ${line.label}${isUnconfirmed(line, estimate.book) ? " *" : ""}`, quantityText(line), usd(line.usd)]);
    }
  }
  rows.push(["Total", "", usd(estimate.total)]);
  return [
    `Monthly cost estimate of stack "${estimate.stack}": ${usd(estimate.total)}`,
    `USD per 30-day month; ${freeTierWords(estimate)}.`,
    "",
    ...columns(rows, 1),
    "",
    "Assumptions (flags over the stack's cost: block over defaults):",
    ...prose(assumptionLines(estimate.assumptions).map((l) => `  ${l}`)),
    "",
    ...prose(footer(estimate, "*")),
  ].join("\n");
}

const SIGN: Record<LineChange["status"], string> = { added: "+", removed: "-", changed: "~" };


export function renderDiffText(diff: EstimateDiff): string {
  const head = `Monthly cost delta of stack "${diff.stack}": ${signedUsd(diff.total.delta)} (${usd(diff.total.before)} → ${usd(diff.total.after)})`;
  const rows: string[][] = [];
  for (const platform of PLATFORMS) {
    const changed = diff.lines.filter((l) => l.platform === platform);
    if (changed.length === 0) continue;
    const sub = diff.subtotals[platform];
    rows.push([PLATFORM_NAMES[platform], usd(sub.before), usd(sub.after), signedUsd(sub.delta)]);
    for (const line of changed) {
      const star = isUnconfirmed(line.sides.after ?? line.sides.before, diff.after.book) ? " *" : "";
      rows.push([`  ${SIGN[line.status]} ${line.label}${star}`, usd(line.before), usd(line.after), signedUsd(line.delta)]);
    }
  }
  rows.push(["Total", usd(diff.total.before), usd(diff.total.after), signedUsd(diff.total.delta)]);
  const body = diff.lines.length === 0 ? ["No cost driver changed."] : columns([["", "before", "after", "delta"], ...rows], 3);
  return [head, `before: ${diff.before.origin}; after: ${diff.after.origin}; USD per 30-day month; ${freeTierWords(diff.after)}.`, "", ...body, "", "Assumptions (after):", ...prose(assumptionLines(diff.after.assumptions).map((l) => `  ${l}`)), "", ...prose(footer(diff.after, "*"))].join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function assumptionsDetails(estimate: Estimate): string[] {
  return ["<details><summary>Assumptions</summary>", "", ...assumptionLines(estimate.assumptions).map((l) => `- ${cell(l)}`), "", "</details>"];
}

function markdownFooter(estimate: Estimate): string[] {
  return ["", ...footer(estimate, "†").map((l) => `<sub>${l}</sub><br>`)];
}

export function renderEstimateMarkdown(estimate: Estimate): string {
  const rows = ["| Platform | Cost driver | Usage | Monthly |", "| --- | --- | ---: | ---: |"];
  for (const platform of PLATFORMS) {
    for (const line of estimate.lines.filter((l) => l.platform === platform)) {
      rows.push(`| ${PLATFORM_NAMES[platform]} | ${cell(line.label)}${isUnconfirmed(line, estimate.book) ? " †" : ""} | ${cell(quantityText(line))} | ${usd(line.usd)} |`);
    }
    rows.push(`| **${PLATFORM_NAMES[platform]}** | | | **${usd(estimate.subtotals[platform])}** |`);
  }
  rows.push(`| **Total** | | | **${usd(estimate.total)}** |`);
  return [`### Monthly cost estimate of \`${estimate.stack}\`: ${usd(estimate.total)}`, "", `USD per 30-day month; ${freeTierWords(estimate)}.`, "", ...rows, "", ...assumptionsDetails(estimate), ...markdownFooter(estimate)].join("\n");
}

export function renderDiffMarkdown(diff: EstimateDiff): string {
  const title = `### Monthly cost delta of \`${diff.stack}\`: ${signedUsd(diff.total.delta)} (${usd(diff.total.before)} → ${usd(diff.total.after)})`;
  const intro = `Before: \`${diff.before.origin}\`; after: \`${diff.after.origin}\`. USD per 30-day month; ${freeTierWords(diff.after)}.`;
  if (diff.lines.length === 0) return [title, "", intro, "", "No cost driver changed.", "", ...assumptionsDetails(diff.after), ...markdownFooter(diff.after)].join("\n");
  const rows = ["| Platform | Cost driver | Before | After | Delta |", "| --- | --- | ---: | ---: | ---: |"];
  for (const line of diff.lines) {
    const dagger = isUnconfirmed(line.sides.after ?? line.sides.before, diff.after.book) ? " †" : "";
    rows.push(`| ${PLATFORM_NAMES[line.platform]} | ${SIGN[line.status]} ${cell(line.label)}${dagger} | ${usd(line.before)} | ${usd(line.after)} | ${signedUsd(line.delta)} |`);
  }
  for (const platform of PLATFORMS) {
    const sub = diff.subtotals[platform];
    if (Math.abs(sub.delta) >= 1e-6) rows.push(`| **${PLATFORM_NAMES[platform]}** | | ${usd(sub.before)} | ${usd(sub.after)} | **${signedUsd(sub.delta)}** |`);
  }
  rows.push(`| **Total** | | ${usd(diff.total.before)} | ${usd(diff.total.after)} | **${signedUsd(diff.total.delta)}** |`);
  return [title, "", intro, "", ...rows, "", ...assumptionsDetails(diff.after), ...markdownFooter(diff.after)].join("\n");
}
