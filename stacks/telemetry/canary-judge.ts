/**
 * Judges a canary color against the live one on real traffic: the error-rate
 * ratio, p95 latency, and how far the mix of tools the agents choose has
 * moved (stacks/telemetry/thresholds.ts states the limits and the minimum
 * sample sizes). A comparison without enough calls on either color is not
 * made, and says so.
 */
import type { GuardThresholds } from "./thresholds.ts";
import type { ColorTraffic } from "./traffic.ts";

export type Finding = { measure: "error rate" | "p95 latency" | "tool mix"; status: "ok" | "breach" | "not enough traffic"; detail: string };

export interface Judgement {
  /** `breach` if any comparison breached; `healthy` if all were made and none did; otherwise `not enough traffic`. */
  verdict: "healthy" | "breach" | "not enough traffic";
  findings: Finding[];
}

export interface Colors {
  /** The color that serves what was there before: the live one of a canary, the previous live one after a full cutover. */
  baseline: string;
  /** The color being judged. */
  candidate: string;
}

const percent = (share: number) => `${(share * 100).toFixed(2)}%`;
const ms = (value: number) => `${Math.round(value)} ms`;

/** Jensen–Shannon distance, base 2, between two count vectors over the same keys: 0 same mix, 1 disjoint. */
export function toolMixDistance(a: Record<string, number>, b: Record<string, number>): number {
  const tools = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const total = (counts: Record<string, number>) => tools.reduce((sum, tool) => sum + (counts[tool] ?? 0), 0);
  const [na, nb] = [total(a), total(b)];
  if (na === 0 || nb === 0) return 0;
  let divergence = 0;
  for (const tool of tools) {
    const p = (a[tool] ?? 0) / na;
    const q = (b[tool] ?? 0) / nb;
    const m = (p + q) / 2;
    if (p > 0) divergence += 0.5 * p * Math.log2(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log2(q / m);
  }
  return Math.sqrt(Math.max(0, divergence));
}

function shortOf(colors: Colors, baseline: ColorTraffic, candidate: ColorTraffic, min: number): string | undefined {
  if (candidate.calls >= min && baseline.calls >= min) return undefined;
  return `${colors.candidate} has ${candidate.calls} calls, ${colors.baseline} ${baseline.calls}; each needs at least ${min}`;
}

/** The biggest movers between the two mixes, for the report: "kb_search 25.0% → 0.0%". */
function movers(baseline: ColorTraffic, candidate: ColorTraffic): string {
  const share = (traffic: ColorTraffic, tool: string) => (traffic.calls === 0 ? 0 : (traffic.byTool[tool] ?? 0) / traffic.calls);
  const tools = [...new Set([...Object.keys(baseline.byTool), ...Object.keys(candidate.byTool)])];
  return tools
    .map((tool) => ({ tool, from: share(baseline, tool), to: share(candidate, tool) }))
    .sort((x, y) => Math.abs(y.to - y.from) - Math.abs(x.to - x.from))
    .slice(0, 2)
    .map(({ tool, from, to }) => `${tool} ${percent(from)} → ${percent(to)}`)
    .join(", ");
}

export function judgeCanary(colors: Colors, baseline: ColorTraffic, candidate: ColorTraffic, limits: GuardThresholds): Judgement {
  const findings: Finding[] = [];
  const short = shortOf(colors, baseline, candidate, limits.minCalls);

  if (short) findings.push({ measure: "error rate", status: "not enough traffic", detail: short });
  else {
    const base = baseline.errors / baseline.calls;
    const rate = candidate.errors / candidate.calls;
    const ratio = rate / Math.max(base, limits.errorRateFloor);
    const detail = `${colors.candidate} ${percent(rate)} (${candidate.errors}/${candidate.calls}) vs ${colors.baseline} ${percent(base)} (${baseline.errors}/${baseline.calls}): ${ratio.toFixed(1)}× (limit ${limits.maxErrorRateRatio}×)`;
    findings.push({ measure: "error rate", status: ratio > limits.maxErrorRateRatio ? "breach" : "ok", detail });
  }

  const shortLatency = shortOf(colors, baseline, candidate, limits.minLatencyCalls);
  if (shortLatency || baseline.p95Ms === undefined || candidate.p95Ms === undefined) {
    findings.push({ measure: "p95 latency", status: "not enough traffic", detail: shortLatency ?? "no latency reported for one of the colors" });
  } else {
    const ratio = candidate.p95Ms / Math.max(baseline.p95Ms, 1);
    const slower = ratio > limits.maxP95Ratio && candidate.p95Ms - baseline.p95Ms > limits.minP95IncreaseMs;
    const detail = `${colors.candidate} ${ms(candidate.p95Ms)} vs ${colors.baseline} ${ms(baseline.p95Ms)}: ${ratio.toFixed(2)}× (limit ${limits.maxP95Ratio}× and +${limits.minP95IncreaseMs} ms)`;
    findings.push({ measure: "p95 latency", status: slower ? "breach" : "ok", detail });
  }

  if (short) findings.push({ measure: "tool mix", status: "not enough traffic", detail: short });
  else {
    const distance = toolMixDistance(baseline.byTool, candidate.byTool);
    const detail = `Jensen–Shannon distance ${distance.toFixed(3)} (limit ${limits.maxToolMixDistance}); most moved: ${movers(baseline, candidate)}`;
    findings.push({ measure: "tool mix", status: distance > limits.maxToolMixDistance ? "breach" : "ok", detail });
  }

  const verdict = findings.some((f) => f.status === "breach") ? "breach" : findings.every((f) => f.status === "ok") ? "healthy" : "not enough traffic";
  return { verdict, findings };
}
