/**
 * What the guard calls a bad canary, stated once. The minimum sample sizes
 * are where each comparison stops being noise: below them the guard says
 * "not enough traffic" for that comparison and leans on the scripted calls.
 *
 * - error rate: the canary's over the live color's, the live rate floored at
 *   0.5% (so a live color with no errors does not make one canary error a breach);
 * - p95 latency: the canary's over the live color's, and at least 50 ms more;
 * - tool selection: the Jensen–Shannon distance (base 2: 0 is the same mix of
 *   tools, 1 is no tool in common) between the two colors' shares of calls
 *   per tool. Two samples of 300 calls of one mix measure about 0.05, rarely
 *   above 0.10; a mix without a tool that had 10% of the calls measures 0.23.
 */
export interface GuardThresholds {
  /** Calls each color needs before error rates and tool mixes are compared. @default 300 */
  minCalls: number;
  /** Calls each color needs before p95 latencies are compared. @default 100 */
  minLatencyCalls: number;
  /** Highest canary/live error-rate ratio. @default 2 */
  maxErrorRateRatio: number;
  /** The live error rate is taken as at least this. @default 0.005 */
  errorRateFloor: number;
  /** Highest canary/live p95 ratio. @default 1.5 */
  maxP95Ratio: number;
  /** A p95 ratio over the limit is a breach only when the canary is also this much slower (ms). @default 50 */
  minP95IncreaseMs: number;
  /** Highest Jensen–Shannon distance between the colors' tool mixes. @default 0.15 */
  maxToolMixDistance: number;
}

export const DEFAULT_THRESHOLDS: GuardThresholds = {
  minCalls: 300,
  minLatencyCalls: 100,
  maxErrorRateRatio: 2,
  errorRateFloor: 0.005,
  maxP95Ratio: 1.5,
  minP95IncreaseMs: 50,
  maxToolMixDistance: 0.15,
};
