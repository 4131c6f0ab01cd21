/**
 * Quota counters in SQLite, the same code over the Node database and a
 * principal's Durable Object (state/sql.ts). One row per key and counter: the
 * key's own (`tool` empty, every tool's calls) and one per tool with limits of
 * its own.
 *
 * - **Per minute** is a rate, kept as GCRA (the generic cell rate algorithm):
 *   `minute_at` is when the counter would be empty again. A call adds
 *   60 s / limit to it, and is refused while that would put it more than a
 *   minute ahead. So a burst of `limit` calls is admitted at once, then one
 *   call each 60/limit s: one number per counter, no log of calls, and an
 *   exact wait to tell the caller. A fixed window would allow twice the limit
 *   across its boundary, and a burst would see its count reset mid-way.
 * - **Per day** counts calls in the current UTC day (`day`, days since the
 *   epoch); the first call of a new day starts again from 0. It resets at
 *   00:00 UTC for every caller: one time to tell and to explain.
 *
 * Exactly N under concurrency: the check and the increment run in one
 * transaction. On Node that is `BEGIN IMMEDIATE`, which holds SQLite's write
 * lock, so the release processes sharing a machine's database are serialized
 * too; a Durable Object runs one call of its own at a time.
 */
import type { Sql } from "./sql.ts";


const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** One counter a call is checked against: `tool` empty for all of the key's calls. */
export interface QuotaCounter {
  tool: string;
  perMinute?: number;
  perDay?: number;
}

/** What a call was told; plain data, so it crosses a Durable Object's RPC as it is. */
export type QuotaDecision =
  | { outcome: "admitted" }
  | { outcome: "minute_limited"; tool: string; limit: number; retryAfterSeconds: number }
  | { outcome: "day_exhausted"; tool: string; limit: number; resetsAt: number };

interface Row {
  tool: string;
  minute_at: number;
  day: number;
  day_calls: number;
}

export class SqlQuotaLedger {
  readonly #sql: Sql;
  #sweptDay = -1;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /**
   * Checks a call of `key` against every counter and counts it in all of them,
   * or in none. A spent daily quota is reported before a minute's limit: no
   * wait of seconds would help the caller.
   */
  take(key: string, counters: readonly QuotaCounter[], now = Date.now()): QuotaDecision {
    const day = Math.floor(now / DAY_MS);
    return this.#sql.transaction(() => {
      this.#sweep(day);
      const rows = new Map(this.#sql.all<Row>("SELECT tool, minute_at, day, day_calls FROM quota_counters WHERE key = ?", key).map((row) => [row.tool, row]));
      const usedToday = (counter: QuotaCounter) => {
        const row = rows.get(counter.tool);
        return row?.day === day ? row.day_calls : 0;
      };
      for (const counter of counters) {
        if (counter.perDay !== undefined && usedToday(counter) >= counter.perDay) {
          return { outcome: "day_exhausted", tool: counter.tool, limit: counter.perDay, resetsAt: (day + 1) * DAY_MS };
        }
      }
      const next = new Map<string, number>();
      for (const counter of counters) {
        if (counter.perMinute === undefined) continue;
        const interval = MINUTE_MS / counter.perMinute;
        const at = Math.max(rows.get(counter.tool)?.minute_at ?? 0, now) + interval;
        // A float's last bit must not refuse the limit-th call of a burst.
        if (at - now > MINUTE_MS + 1e-6) {
          return { outcome: "minute_limited", tool: counter.tool, limit: counter.perMinute, retryAfterSeconds: Math.max(1, Math.ceil((at - now - MINUTE_MS) / 1000)) };
        }
        next.set(counter.tool, at);
      }
      for (const counter of counters) {
        this.#sql.run(
          `INSERT INTO quota_counters (key, tool, minute_at, day, day_calls) VALUES (?, ?, ?, ?, 1)
           ON CONFLICT (key, tool) DO UPDATE SET minute_at = excluded.minute_at, day_calls = CASE WHEN day = excluded.day THEN day_calls + 1 ELSE 1 END, day = excluded.day`,
          key,
          counter.tool,
          next.get(counter.tool) ?? 0,
          day,
        );
      }
      return { outcome: "admitted" };
    });
  }

  /** Once a day: counters whose day is over and whose minute has run out hold nothing any call would read. */
  #sweep(day: number): void {
    if (this.#sweptDay === day) return;
    this.#sweptDay = day;
    this.#sql.run("DELETE FROM quota_counters WHERE day < ? AND minute_at < ?", day, day * DAY_MS);
  }
}
