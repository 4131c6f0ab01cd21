/**
 * The compatibility report as text for a terminal, as JSON for scripts, and as
 * Markdown for the pull-request comment (next to `plan --diff` and
 * `cost --diff --markdown`, .github/workflows/preview.yml).
 */
import { countByVerdict, describeCounts, type Finding, VERDICT_LABEL } from "./finding.ts";

/** One API version's comparison: findings, or why it could not be made. */
export interface Comparison {
  api: string;
  release: string;
  against: string;
  /** What `against` is, e.g. `what v1 serves live (green)`. */
  againstIs: string;
  findings?: Finding[];
  notCompared?: string;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]!.length))) ?? [];
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}

export function renderText(stack: string, comparisons: readonly Comparison[]): string {
  const lines: string[] = [];
  for (const c of comparisons) {
    lines.push(`${stack} ${c.api}: ${c.release} against ${c.against} (${c.againstIs})`);
    if (c.notCompared) {
      lines.push(`  not compared: ${c.notCompared}`);
      continue;
    }
    const findings = c.findings ?? [];
    if (findings.length === 0) lines.push("  the same surface");
    lines.push(...columns(findings.map((f) => [`  ${VERDICT_LABEL[f.verdict]}`, f.tool, f.path, f.reason])));
    lines.push(`  ${describeCounts(findings)}`);
  }
  return lines.join("\n");
}

export function renderJson(stack: string, comparisons: readonly Comparison[]): string {
  return JSON.stringify({ stack, comparisons: comparisons.map((c) => ({ ...c, ...(c.findings ? { counts: countByVerdict(c.findings) } : {}) })) }, null, 2);
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function renderMarkdown(stack: string, heading: string, comparisons: readonly Comparison[]): string {
  const lines = [`### MCP surface of \`${stack}\`: ${heading}`, "", "| API version | compared with | breaking | compatible | worth a human look |", "| --- | --- | --- | --- | --- |"];
  for (const c of comparisons) {
    if (c.notCompared) {
      lines.push(`| ${c.api} | ${cell(`${c.against} (${c.againstIs})`)} | not compared: ${cell(c.notCompared)} | | |`);
      continue;
    }
    const counts = countByVerdict(c.findings ?? []);
    lines.push(`| ${c.api} | ${cell(`${c.against} (${c.againstIs})`)} | ${counts.breaking === 0 ? "0" : `**${counts.breaking}**`} | ${counts.compatible} | ${counts.review} |`);
  }
  for (const c of comparisons.filter((c) => (c.findings?.length ?? 0) > 0)) {
    lines.push("", `<details${c.findings!.some((f) => f.verdict === "breaking") ? " open" : ""}><summary>${c.api}: ${describeCounts(c.findings!)}</summary>`, "");
    lines.push("| class | tool, prompt or resource | JSON path | why |", "| --- | --- | --- | --- |");
    for (const f of c.findings!) lines.push(`| ${VERDICT_LABEL[f.verdict]} | \`${f.tool}\` | \`${cell(f.path)}\` | ${cell(f.reason)} |`);
    lines.push("", "</details>");
  }
  return lines.join("\n");
}
