import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openDatabase } from "../state/sqlite-database.ts";
import { EVENT_BATCH_MS, MAX_EVENTS_PER_SESSION, SessionEventLog } from "./event-log.ts";
import { SqlSessionStore } from "./sql.ts";

function withDatabase(work: (path: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "event-log-"));
    try {
      await work(join(dir, "mcp.sqlite"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const rowsIn = (path: string) => {
  const db = openDatabase(path);
  try {
    return db.all<{ id: number; session_id: string }>("SELECT id, session_id FROM session_events ORDER BY id");
  } finally {
    db.close();
  }
};

test(
  "batched events are numbered at once, written together shortly after, and visible to a resuming read before that",
  withDatabase(async (path) => {
    const db = openDatabase(path);
    const log = new SessionEventLog(db, "batched");
    const first = log.append("s1", "stream-a", '{"n":1}');
    const second = log.append("s1", "stream-a", '{"n":2}');
    assert.equal(second, first + 1);
    // Not written yet: a second connection sees nothing.
    assert.deepEqual(rowsIn(path), []);
    // A resuming client's read flushes first.
    assert.deepEqual(log.after("s1", "stream-a", 0).map((row) => ({ ...row })), [
      { id: first, message: '{"n":1}' },
      { id: second, message: '{"n":2}' },
    ]);
    const third = log.append("s1", "stream-b", '{"n":3}');
    await sleep(EVENT_BATCH_MS + 20);
    assert.deepEqual(rowsIn(path).map((row) => row.id), [first, second, third]);
    assert.equal(log.streamOf("s1", third), "stream-b");
    db.close();
  }),
);

test(
  "ids never repeat across a restart, even after the newest events were deleted",
  withDatabase(async (path) => {
    const before = openDatabase(path);
    const log = new SessionEventLog(before, "batched");
    log.append("s1", "a", "{}");
    const last = log.append("s2", "a", "{}");
    log.deleteSession("s2");
    before.close();
    const after = openDatabase(path);
    const restarted = new SessionEventLog(after, "batched");
    assert.equal(restarted.append("s3", "a", "{}"), last + 1);
    restarted.flush();
    // The immediate writer (a Durable Object's) uses the same sequence.
    assert.equal(new SessionEventLog(after, "immediate").append("s3", "a", "{}"), last + 2);
    after.close();
  }),
);

test(
  "deleting a session drops its pending events too, and other sessions' stay",
  withDatabase(async (path) => {
    const db = openDatabase(path);
    const store = new SqlSessionStore(db, { eventWrites: "batched" });
    const record = { principal: "p", apiVersion: "v1", protocolVersion: "2025-11-25", initializeRequest: {}, createdAt: 1, lastSeenAt: 1 };
    store.create({ id: "gone", ...record });
    store.create({ id: "kept", ...record });
    await store.events("gone").storeEvent("a", { jsonrpc: "2.0", method: "notifications/message" });
    await store.events("kept").storeEvent("a", { jsonrpc: "2.0", method: "notifications/message" });
    store.delete("gone");
    await sleep(EVENT_BATCH_MS + 20);
    assert.deepEqual(rowsIn(path).map((row) => row.session_id), ["kept"]);
    db.close();
  }),
);

test(
  "a session keeps its newest events only, written batched or not",
  withDatabase(async (path) => {
    const db = openDatabase(path);
    for (const writes of ["batched", "immediate"] as const) {
      const log = new SessionEventLog(db, writes);
      let last = 0;
      for (let i = 0; i < MAX_EVENTS_PER_SESSION + 120; i++) last = log.append(writes, "a", "{}");
      const kept = log.after(writes, "a", 0);
      assert.ok(kept.length <= MAX_EVENTS_PER_SESSION + 50, `${writes}: ${kept.length} events kept`);
      assert.ok(kept.length >= MAX_EVENTS_PER_SESSION, `${writes}: ${kept.length} events kept`);
      assert.equal(kept.at(-1)!.id, last);
    }
    db.close();
  }),
);

test(
  "a batch that cannot be written is said in the log and ends nothing: the timer's flush never throws",
  withDatabase(async (path) => {
    const db = openDatabase(path);
    const log = new SessionEventLog(db, "batched");
    log.append("s1", "a", "{}");
    // The database goes away under the pending batch, as a full or failing disk would refuse it.
    db.close();
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => void errors.push(line);
    try {
      await sleep(EVENT_BATCH_MS + 30);
    } finally {
      console.error = original;
    }
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /1 SSE events were not written to the replay log/);
  }),
);
