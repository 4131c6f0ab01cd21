/**
 * The running numbers of a watch: how many steps ran, how many failed, and
 * the 95th percentile of their latency.
 */
import type { Step } from "./session.ts";

export class Tally {
  #latencies: number[] = [];
  errors = 0;
  sessions = 0;
  /** The last failures, newest last, for the report. */
  readonly recentFailures: Step[] = [];

  add(steps: readonly Step[]): void {
    this.sessions += 1;
    for (const step of steps) {
      this.#latencies.push(step.ms);
      if (!step.ok) {
        this.errors += 1;
        this.recentFailures.push(step);
        if (this.recentFailures.length > 5) this.recentFailures.shift();
      }
    }
  }

  get steps(): number {
    return this.#latencies.length;
  }

  get errorRate(): number {
    return this.steps === 0 ? 0 : this.errors / this.steps;
  }

  /** Nearest-rank 95th percentile, in ms. */
  get p95(): number {
    if (this.#latencies.length === 0) return 0;
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  }

  describe(): string {
    return `error rate ${(this.errorRate * 100).toFixed(2)}% (${this.errors}/${this.steps} steps, ${this.sessions} session${this.sessions === 1 ? "" : "s"}), p95 ${Math.round(this.p95)} ms`;
  }
}
