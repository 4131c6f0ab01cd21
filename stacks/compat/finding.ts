/**
 * What the compatibility checker reports: one finding per difference between
 * two surfaces, each classed by what it does to a client pinned to the older
 * one (issue 15's three classes).
 */

/** `breaking`: a pinned client can fail. `compatible`: it cannot. `review`: worth a human look (descriptions steer models). */
export type Verdict = "breaking" | "compatible" | "review";

export const VERDICTS: readonly Verdict[] = ["breaking", "review", "compatible"];

export const VERDICT_LABEL: Record<Verdict, string> = { breaking: "breaking", compatible: "compatible", review: "worth a human look" };

export interface Finding {
  verdict: Verdict;
  tool: string;
  /** JSON path inside the tool's `tools/list` entry; `$` is the tool itself. @example "$.inputSchema.properties.key.maxLength" */
  path: string;
  /** One line: what changed, and why it does or does not break a pinned client. */
  reason: string;
}

/** Whether a JSON Schema describes what a client sends (a tool's input) or what it receives (its output). */
export type Direction = "input" | "output";

/**
 * How a change moves the set of values a schema allows. For an input, a
 * narrowing refuses calls that were valid; for an output, a widening sends
 * results a pinned client was never promised. A change that does both, or
 * whose direction cannot be shown, is breaking either way.
 */
export type Effect = "narrows" | "widens" | "changes";

const WHY: Record<Direction, Record<Effect, string>> = {
  input: {
    narrows: "a call a pinned client could make is refused now",
    widens: "every call that was valid still is",
    changes: "the new schema may refuse calls the old one allowed, so a pinned client's call can fail",
  },
  output: {
    narrows: "every result still fits the schema pinned clients have",
    widens: "a pinned client may get a result outside the schema it relies on",
    changes: "results may fall outside the schema pinned clients rely on",
  },
};

export function verdictOf(effect: Effect, direction: Direction): Verdict {
  if (effect === "changes") return "breaking";
  if (direction === "input") return effect === "narrows" ? "breaking" : "compatible";
  return effect === "widens" ? "breaking" : "compatible";
}

/** A finding for a change to the values a schema allows; `change` says what changed, the effect says why it matters. */
export function effectFinding(tool: string, path: string, direction: Direction, effect: Effect, change: string): Finding {
  return { verdict: verdictOf(effect, direction), tool, path, reason: `${change}: ${WHY[direction][effect]}` };
}

/** The most severe class among `findings`, or undefined when there are none. */
export function worstVerdict(findings: readonly Finding[]): Verdict | undefined {
  return VERDICTS.find((verdict) => findings.some((finding) => finding.verdict === verdict));
}

export function countByVerdict(findings: readonly Finding[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { breaking: 0, compatible: 0, review: 0 };
  for (const finding of findings) counts[finding.verdict]++;
  return counts;
}

/** `2 breaking, 1 compatible, 0 worth a human look`. */
export function describeCounts(findings: readonly Finding[]): string {
  const counts = countByVerdict(findings);
  return `${counts.breaking} breaking, ${counts.compatible} compatible, ${counts.review} worth a human look`;
}
