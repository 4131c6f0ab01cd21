import { Worker } from "node:worker_threads";

/** How often the background thread folds the WAL back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 500;

/**
 * Checkpoints a WAL database from a thread of its own. SQLite's automatic
 * checkpoint runs inside whichever commit crosses the threshold, and it is
 * the only step that fsyncs (`synchronous = NORMAL`): on the request path
 * that is a stall of several milliseconds every few hundred writes. A
 * passive checkpoint from another connection never blocks writers, so the
 * server's thread only appends to the WAL. Under a steady stream of writes
 * the WAL may not restart between checkpoints (a writer restarts it only when
 * it finds every frame copied back); SQLite's own checkpoint then runs at
 * its fallback threshold, with almost nothing left to copy.
 */
export class WalCheckpointer {
  readonly #worker: Worker;

  constructor(path: string, intervalMs = CHECKPOINT_INTERVAL_MS) {
    this.#worker = new Worker(new URL("./wal-checkpointer-worker.ts", import.meta.url), { workerData: { path, intervalMs } });
    this.#worker.on("error", (error) => console.error(`[sqlite] checkpoint thread failed; SQLite's own checkpoints take over: ${error.message}`));
    this.#worker.unref();
  }

  async stop(): Promise<void> {
    await this.#worker.terminate();
  }
}
