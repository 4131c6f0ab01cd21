/**
 * The report of a run, three ways: a table for a terminal, Markdown for a
 * pull-request comment or a job summary, and JSON for scripts
 * (`{ model, cases, passed, accuracy, results: [{ id, expected, chosen, passRate }] }`,
 * plus the baseline and the delta under --against).
 */
import type { CaseDelta, Comparison } from "./compare.ts";
import type { SuiteRun } from "./run-suite.ts";

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const rate = (passRate: number, trials: number) => `${Math.round(passRate * trials)}/${trials}`;
/** How a case moved against the baseline: a regression (the gate's rule), lower, or not down. */
const movement = (c: CaseDelta): "regression" | "lower" | "" => (c.regressed ? "regression" : c.candidate.passRate < c.baseline.passRate ? "lower" : "");
const signed = (share: number) => `${share >= 0 ? "+" : "−"}${Math.abs(share * 100).toFixed(1)} points`;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd());
}

function summaryLine(run: SuiteRun): string {
  return `accuracy ${percent(run.accuracy)} (weighted) · ${run.passed}/${run.cases} cases passed in every trial`;
}

export function renderText(run: SuiteRun, trials: number, comparison?: Comparison): string {
  const lines: string[] = [];
  if (!comparison) {
    lines.push(...table([["case", "expected", "chosen", "pass"], ...run.results.map((r) => [r.id, r.expected, r.chosen, rate(r.passRate, r.trials)])]));
    for (const r of run.results.filter((result) => result.failures.length > 0)) lines.push(`  ${r.id}: ${r.failures.join("; ")}`);
    lines.push(summaryLine(run));
    return lines.join("\n");
  }
  lines.push(
    ...table([
      ["case", "expected", "baseline", "candidate", ""],
      ...comparison.cases.map((c) => [
        c.id,
        c.expected,
        `${c.baseline.chosen} ${rate(c.baseline.passRate, trials)}`,
        `${c.candidate.chosen} ${rate(c.candidate.passRate, trials)}`,
        movement(c) === "regression" ? "REGRESSION" : movement(c),
      ]),
    ]),
  );
  lines.push(`baseline ${comparison.baseline.url}: ${summaryLine(comparison.baseline)}`);
  lines.push(`candidate ${comparison.candidate.url}: ${summaryLine(comparison.candidate)}`);
  lines.push(`delta: ${signed(comparison.delta)}`);
  return lines.join("\n");
}

export function renderMarkdown(run: SuiteRun, trials: number, comparison?: Comparison): string {
  const head = `### Tool-selection evals: ${run.provider} model \`${run.model}\`, ${run.cases} cases × ${trials} trials`;
  const escape = (text: string) => text.replace(/\|/g, "\\|");
  if (!comparison) {
    return [
      head,
      "",
      "| case | expected | chosen | pass |",
      "| --- | --- | --- | --- |",
      ...run.results.map((r) => `| ${r.id} | ${escape(r.expected)} | ${escape(r.chosen)} | ${rate(r.passRate, r.trials)} |`),
      "",
      summaryLine(run),
    ].join("\n");
  }
  const verdict = comparison.refusal ? `**Regression:** ${comparison.refusal}` : "No regression.";
  return [
    head,
    "",
    `${verdict} Weighted accuracy ${percent(comparison.baseline.accuracy)} → ${percent(comparison.candidate.accuracy)} (${signed(comparison.delta)}).`,
    "",
    "| case | expected | baseline | candidate | |",
    "| --- | --- | --- | --- | --- |",
    ...comparison.cases.map(
      (c) =>
        `| ${c.id} | ${escape(c.expected)} | ${escape(c.baseline.chosen)} ${rate(c.baseline.passRate, trials)} | ${escape(c.candidate.chosen)} ${rate(c.candidate.passRate, trials)} | ${movement(c) === "regression" ? "**regression**" : movement(c)} |`,
    ),
  ].join("\n");
}

export function renderJson(run: SuiteRun, comparison?: Comparison): string {
  const baselineOf = new Map(comparison?.cases.map((c) => [c.id, c]) ?? []);
  return JSON.stringify({
    model: run.model,
    provider: run.provider,
    url: run.url,
    cases: run.cases,
    passed: run.passed,
    accuracy: run.accuracy,
    results: run.results.map((r) => ({
      id: r.id,
      expected: r.expected,
      chosen: r.chosen,
      passRate: r.passRate,
      trials: r.trials,
      weight: r.weight,
      choices: r.choices,
      failures: r.failures,
      ...(comparison ? { baseline: baselineOf.get(r.id)!.baseline, regressed: baselineOf.get(r.id)!.regressed } : {}),
    })),
    ...(comparison
      ? {
          baseline: { url: comparison.baseline.url, cases: comparison.baseline.cases, passed: comparison.baseline.passed, accuracy: comparison.baseline.accuracy },
          delta: comparison.delta,
          regressions: comparison.regressions.map((c) => c.id),
          ...(comparison.refusal ? { refusal: comparison.refusal } : {}),
        }
      : {}),
    usage: run.usage,
  });
}
