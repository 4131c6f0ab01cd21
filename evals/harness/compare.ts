/**
 * A candidate endpoint against a baseline (the live color, or the base
 * branch's build), case by case. The default gate: a case that passed in every
 * trial on the baseline and now fails in most is a regression. `--max-drop`
 * replaces it with a bound on the weighted accuracy's drop.
 */
import type { CaseResult, SuiteRun } from "./run-suite.ts";

export interface CaseDelta {
  id: string;
  expected: string;
  candidate: Pick<CaseResult, "chosen" | "passRate">;
  baseline: Pick<CaseResult, "chosen" | "passRate">;
  /** Passed in every baseline trial, fails in most candidate trials. */
  regressed: boolean;
}

export interface Comparison {
  candidate: SuiteRun;
  baseline: SuiteRun;
  /** candidate.accuracy − baseline.accuracy. */
  delta: number;
  cases: CaseDelta[];
  regressions: CaseDelta[];
  /** Why the candidate is refused, or undefined when it passes the gate. */
  refusal?: string;
}

export function compareRuns(candidate: SuiteRun, baseline: SuiteRun, maxDrop?: number): Comparison {
  const before = new Map(baseline.results.map((r) => [r.id, r]));
  const cases = candidate.results.map((r): CaseDelta => {
    const old = before.get(r.id) ?? { chosen: "(not run)", passRate: 0 };
    return {
      id: r.id,
      expected: r.expected,
      candidate: { chosen: r.chosen, passRate: r.passRate },
      baseline: { chosen: old.chosen, passRate: old.passRate },
      regressed: old.passRate === 1 && r.passRate < 0.5,
    };
  });
  const regressions = cases.filter((c) => c.regressed);
  const delta = candidate.accuracy - baseline.accuracy;
  const points = (share: number) => `${(share * 100).toFixed(1)} points`;
  const refusal =
    maxDrop === undefined
      ? regressions.length > 0
        ? `${regressions.length} case${regressions.length === 1 ? "" : "s"} that passed every trial on the baseline now fail${regressions.length === 1 ? "s" : ""} in most: ${regressions.map((c) => c.id).join(", ")}`
        : undefined
      : -delta > maxDrop
        ? `weighted accuracy dropped ${points(-delta)}, more than --max-drop ${maxDrop} (${points(maxDrop)})`
        : undefined;
  return { candidate, baseline, delta, cases, regressions, ...(refusal ? { refusal } : {}) };
}
