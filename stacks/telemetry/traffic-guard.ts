/**
 * The real-traffic half of a watch: every interval it reads each source for
 * the trailing window and judges the candidate color against the baseline.
 * A breach from any source ends the watch; at the end, each source says
 * whether real traffic judged the canary, and if not, why (not enough
 * traffic, a query API that failed, no credentials): the verdict then rests
 * on the scripted calls alone, and the report says so.
 */
import { type Colors, judgeCanary, type Judgement } from "./canary-judge.ts";
import type { GuardThresholds } from "./thresholds.ts";
import { emptyTraffic, type TrafficSource } from "./traffic.ts";

export type SourceReading = { source: string } & (
  | { kind: "judged"; judgement: Judgement }
  | { kind: "failed"; error: string }
  | { kind: "unavailable"; reason: string }
);

export interface TrafficGuardOptions {
  sources: TrafficSource[];
  /** Sources that cannot be read at all (no credentials), with the reason. */
  unavailable: { source: string; reason: string }[];
  apiVersion: string;
  colors: Colors;
  /** The trailing window each reading covers, in seconds. */
  windowSeconds: number;
  thresholds: GuardThresholds;
}

export class TrafficGuard {
  readonly options: TrafficGuardOptions;
  #last: SourceReading[] = [];

  constructor(options: TrafficGuardOptions) {
    this.options = options;
  }

  /** One reading of every source; a source that fails is a reading that says so, never an exception. */
  async read(): Promise<SourceReading[]> {
    const { apiVersion, colors, windowSeconds, thresholds } = this.options;
    const judged = await Promise.all(
      this.options.sources.map(async (source): Promise<SourceReading> => {
        try {
          const traffic = await source.read(apiVersion, windowSeconds);
          const judgement = judgeCanary(colors, traffic[colors.baseline] ?? emptyTraffic(), traffic[colors.candidate] ?? emptyTraffic(), thresholds);
          return { source: source.name, kind: "judged", judgement };
        } catch (error) {
          return { source: source.name, kind: "failed", error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    this.#last = [...judged, ...this.options.unavailable.map(({ source, reason }): SourceReading => ({ source, kind: "unavailable", reason }))];
    return this.#last;
  }

  /** What breached, as one line per breach; empty when nothing did. */
  static breaches(readings: readonly SourceReading[]): string[] {
    return readings.flatMap((reading) =>
      reading.kind === "judged" ? reading.judgement.findings.filter((f) => f.status === "breach").map((f) => `${reading.source}: ${f.measure} ${f.detail}`) : [],
    );
  }

  /** Whether the last reading judged the candidate by real traffic on every source. */
  get judgedByRealTraffic(): boolean {
    return this.#last.length > 0 && this.#last.every((reading) => reading.kind === "judged" && reading.judgement.verdict === "healthy");
  }

  /** The closing report: one line per source about the last reading. */
  conclusion(): string[] {
    if (this.#last.length === 0) return ["real traffic: not read (the window ended before the first reading); judged by the scripted calls only"];
    return this.#last.map((reading) => `${reading.source}: ${describe(reading)}`);
  }
}

/** One reading, for a person: the verdict and its numbers, or why there is none. */
export function describe(reading: SourceReading): string {
  const scripted = "judged by the scripted calls only";
  if (reading.kind === "failed") return `could not be read (${reading.error}); ${scripted}`;
  if (reading.kind === "unavailable") return `not read (${reading.reason}); ${scripted}`;
  const { verdict, findings } = reading.judgement;
  const details = findings.map((f) => `${f.measure}: ${f.status === "ok" ? "" : `${f.status}, `}${f.detail}`).join("; ");
  if (verdict === "not enough traffic") return `not enough traffic to judge (${details}); ${scripted}`;
  return `${verdict} (${details})`;
}
