/** Session store throughput: creates and reads per second on SQLite (the Node database, WAL, on disk). */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqlSessionStore } from "../app/src/sessions/sql.ts";
import { openDatabase } from "../app/src/state/sqlite-database.ts";
import { elapsedMs, median } from "./stats.ts";

export interface SessionStoreRate {
  sessions: number;
  createsPerSecond: number;
  readsPerSecond: number;
}

/** What a real client's initialize looks like when stored. */
const INITIALIZE = {
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: { roots: { listChanged: true }, sampling: {} }, clientInfo: { name: "claude-code", version: "2.1.0" } },
};

function once(sessions: number): { creates: number; reads: number } {
  const dir = mkdtempSync(join(tmpdir(), "mcp-bench-store-"));
  const db = openDatabase(join(dir, "mcp.sqlite"));
  try {
    const store = new SqlSessionStore(db);
    const ids = Array.from({ length: sessions }, () => randomUUID());
    const now = Date.now();
    let started = process.hrtime.bigint();
    for (const id of ids) {
      store.create({ id, principal: "local", apiVersion: "v1", protocolVersion: "2025-11-25", initializeRequest: INITIALIZE, createdAt: now, lastSeenAt: now });
    }
    const createMs = elapsedMs(started);
    // Reads in an order unrelated to insertion, as restores after a restart arrive.
    const order = [...ids].sort();
    started = process.hrtime.bigint();
    for (const id of order) if (store.get(id) === undefined) throw new Error(`session ${id} was not stored`);
    const readMs = elapsedMs(started);
    return { creates: (sessions / createMs) * 1000, reads: (sessions / readMs) * 1000 };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function sessionStoreRate(sessions: number, runs: number): SessionStoreRate {
  once(Math.min(sessions, 500));
  const results = Array.from({ length: runs }, () => once(sessions));
  return { sessions, createsPerSecond: median(results.map((r) => r.creates)), readsPerSecond: median(results.map((r) => r.reads)) };
}

if (import.meta.main) console.log(sessionStoreRate(5000, 3));
