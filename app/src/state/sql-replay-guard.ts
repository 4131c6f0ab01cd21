import { REPLAY_MEMORY_SECONDS, type ReplayGuard } from "../upstream/signing.ts";
import type { Sql } from "./sql.ts";

/** How many admissions pass between two sweeps of expired signatures. */
const SWEEP_EVERY = 256;

/**
 * The replay guard of the signed tool endpoint, in the service's database:
 * a signature admitted before a crash is still refused after the restart
 * (docs/architecture.md, "Calls between runtimes": "exact replays" refused). One insert per signed call; expired
 * rows go in batches.
 */
export class SqlReplayGuard implements ReplayGuard {
  readonly #sql: Sql;
  #admitted = 0;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  admit(signature: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
    if (++this.#admitted % SWEEP_EVERY === 1) this.#sql.run("DELETE FROM seen_signatures WHERE expires_at < ?", nowSeconds);
    // A row whose time is up no longer counts (it is only waiting for the sweep).
    const seen = this.#sql.get<{ expires_at: number }>("SELECT expires_at FROM seen_signatures WHERE signature = ?", signature);
    if (seen !== undefined && seen.expires_at >= nowSeconds) return false;
    this.#sql.run(
      "INSERT INTO seen_signatures (signature, expires_at) VALUES (?, ?) ON CONFLICT (signature) DO UPDATE SET expires_at = excluded.expires_at",
      signature,
      nowSeconds + REPLAY_MEMORY_SECONDS,
    );
    return true;
  }
}
