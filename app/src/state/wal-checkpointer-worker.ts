// The checkpoint thread of wal-checkpointer.ts: its own connection, passive checkpoints on a timer.
import { DatabaseSync } from "node:sqlite";
import { workerData } from "node:worker_threads";

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path, { timeout: 1000 });
setInterval(() => db.exec("PRAGMA wal_checkpoint(PASSIVE)"), intervalMs);
