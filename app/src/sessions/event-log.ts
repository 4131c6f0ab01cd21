import type { Sql } from "../state/sql.ts";

/** Events kept per session for SSE resumption; older ones are pruned. */
export const MAX_EVENTS_PER_SESSION = 500;

/** Pruning runs once per this many events of a session, not on every append. */
const PRUNE_EVERY = 50;

/**
 * How long batched events wait for company before they are written. At a few
 * hundred calls a second a commit then carries several events instead of one
 * (a commit costs the server more than the inserts in it); it is also the
 * longest an event sent to a client goes without its replay copy on disk.
 */
export const EVENT_BATCH_MS = 10;

/** A batch this large is written at once. */
const MAX_BATCH = 256;

/** How appended events reach the table: at once, or gathered and written together shortly after. */
export type EventLogWrites = "immediate" | "batched";

interface PendingEvent {
  id: number;
  sessionId: string;
  streamId: string;
  message: string;
  createdAt: number;
}

/**
 * The `session_events` table, shared by every session of one database. With
 * `immediate` writes (a Durable Object, whose storage already coalesces writes
 * behind its output gate) an append is one INSERT. With `batched` writes (the
 * Node database, where each commit is a WAL append costing tens of
 * microseconds) appends are numbered here and written by one transaction at
 * most EVENT_BATCH_MS later: the commit leaves the call's critical path, and
 * the calls of those milliseconds share it. A crash inside that window loses
 * only the replay copy of events already sent (a graceful stop writes them).
 * Every read flushes first, so a resuming client always sees what was sent.
 */
export class SessionEventLog {
  readonly #sql: Sql;
  readonly #writes: EventLogWrites;
  #pending: PendingEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 0;

  constructor(sql: Sql, writes: EventLogWrites = "immediate") {
    this.#sql = sql;
    this.#writes = writes;
  }

  /** Appends an event and returns its id (increasing across the database). */
  append(sessionId: string, streamId: string, message: string): number {
    const createdAt = Date.now();
    if (this.#writes === "immediate") {
      const { id } = this.#sql.get<{ id: number }>(
        "INSERT INTO session_events (session_id, stream_id, message, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        sessionId,
        streamId,
        message,
        createdAt,
      )!;
      if (id % PRUNE_EVERY === 0) this.#prune(sessionId, id);
      return id;
    }
    // Ids continue from the table's AUTOINCREMENT sequence, read once: this process is the database's only writer.
    if (this.#nextId === 0) this.#nextId = this.#lastId() + 1;
    const id = this.#nextId++;
    this.#pending.push({ id, sessionId, streamId, message, createdAt });
    if (this.#pending.length >= MAX_BATCH) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flushInBackground(), EVENT_BATCH_MS);
      // Batches are Node's (a Durable Object writes at once): a pending one must not hold the
      // process open, and the server's close flushes it.
      (this.#timer as unknown as { unref?: () => void }).unref?.();
    }
    return id;
  }

  /** Writes every pending event now, in one transaction. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    this.#sql.transaction(() => {
      for (const event of pending) {
        this.#sql.run(
          "INSERT INTO session_events (id, session_id, stream_id, message, created_at) VALUES (?, ?, ?, ?, ?)",
          event.id,
          event.sessionId,
          event.streamId,
          event.message,
          event.createdAt,
        );
        if (event.id % PRUNE_EVERY === 0) this.#prune(event.sessionId, event.id);
      }
    });
  }

  /**
   * The timer's flush: nothing is there to take an error, and an exception in a timer would end
   * the process and every session in it. A failed batch (a full disk, say) loses its replay copies
   * and is said in the log; the events themselves were already sent.
   */
  #flushInBackground(): void {
    const count = this.#pending.length;
    try {
      this.flush();
    } catch (error) {
      console.error(`[sessions] ${count} SSE events were not written to the replay log: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  streamOf(sessionId: string, eventId: number): string | undefined {
    this.flush();
    return this.#sql.get<{ stream_id: string }>("SELECT stream_id FROM session_events WHERE session_id = ? AND id = ?", sessionId, eventId)?.stream_id;
  }

  /** The stream's events after `afterId`, oldest first. */
  after(sessionId: string, streamId: string, afterId: number): { id: number; message: string }[] {
    this.flush();
    return this.#sql.all<{ id: number; message: string }>(
      "SELECT id, message FROM session_events WHERE session_id = ? AND stream_id = ? AND id > ? ORDER BY id",
      sessionId,
      streamId,
      afterId,
    );
  }

  /** Forgets a session's events (pending ones included). */
  deleteSession(sessionId: string): void {
    this.flush();
    this.#sql.run("DELETE FROM session_events WHERE session_id = ?", sessionId);
  }

  #prune(sessionId: string, lastId: number): void {
    this.#sql.run("DELETE FROM session_events WHERE session_id = ? AND id <= ?", sessionId, lastId - MAX_EVENTS_PER_SESSION);
  }

  /** The highest id ever given out: the AUTOINCREMENT sequence survives deletes, so ids never repeat. */
  #lastId(): number {
    const sequence = this.#sql.get<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'session_events'")?.seq ?? 0;
    const max = this.#sql.get<{ id: number | null }>("SELECT max(id) AS id FROM session_events")?.id ?? 0;
    return Math.max(sequence, max);
  }
}
