import type { DatabaseSync } from "node:sqlite";
import type { EventId, EventStore, JSONRPCMessage, StreamId } from "@modelcontextprotocol/server";
import type { SessionRecord, SessionStore } from "./session-store.ts";

/** Events kept per session for SSE resumption; older ones are pruned. */
const MAX_EVENTS_PER_SESSION = 500;

/** Sessions and their SSE event logs on the Node runtime's SQLite database. */
export class SqliteSessionStore implements SessionStore {
  readonly #db: DatabaseSync;
  readonly #insert;
  readonly #get;
  readonly #touch;
  readonly #delete;
  readonly #deleteEvents;
  readonly #expired;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO sessions (id, principal, api_version, protocol_version, initialize_request, created_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#get = db.prepare("SELECT * FROM sessions WHERE id = ?");
    this.#touch = db.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?");
    this.#delete = db.prepare("DELETE FROM sessions WHERE id = ?");
    this.#deleteEvents = db.prepare("DELETE FROM session_events WHERE session_id = ?");
    this.#expired = db.prepare("SELECT id FROM sessions WHERE last_seen_at < ?");
  }

  create(record: SessionRecord): void {
    this.#insert.run(
      record.id,
      record.principal,
      record.apiVersion,
      record.protocolVersion,
      JSON.stringify(record.initializeRequest),
      record.createdAt,
      record.lastSeenAt,
    );
  }

  get(id: string): SessionRecord | undefined {
    const row = this.#get.get(id) as Record<string, string | number> | undefined;
    if (row === undefined) return undefined;
    return {
      id: String(row.id),
      principal: String(row.principal),
      apiVersion: String(row.api_version),
      protocolVersion: String(row.protocol_version),
      initializeRequest: JSON.parse(String(row.initialize_request)),
      createdAt: Number(row.created_at),
      lastSeenAt: Number(row.last_seen_at),
    };
  }

  touch(id: string, now: number): void {
    this.#touch.run(now, id);
  }

  delete(id: string): void {
    this.#delete.run(id);
    this.#deleteEvents.run(id);
  }

  expire(cutoff: number): string[] {
    const ids = this.#expired.all(cutoff).map((row) => String((row as { id: string }).id));
    for (const id of ids) this.delete(id);
    return ids;
  }

  events(sessionId: string): EventStore {
    return new SqliteEventStore(this.#db, sessionId);
  }
}

/** The SDK's resumability hook, persisted so a stream resumes even after a restart. */
class SqliteEventStore implements EventStore {
  readonly #sessionId: string;
  readonly #insert;
  readonly #prune;
  readonly #streamOf;
  readonly #after;

  constructor(db: DatabaseSync, sessionId: string) {
    this.#sessionId = sessionId;
    this.#insert = db.prepare(
      "INSERT INTO session_events (session_id, stream_id, message, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    );
    this.#prune = db.prepare("DELETE FROM session_events WHERE session_id = ? AND id <= ?");
    this.#streamOf = db.prepare("SELECT stream_id FROM session_events WHERE session_id = ? AND id = ?");
    this.#after = db.prepare(
      "SELECT id, message FROM session_events WHERE session_id = ? AND stream_id = ? AND id > ? ORDER BY id",
    );
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const { id } = this.#insert.get(this.#sessionId, streamId, JSON.stringify(message), Date.now()) as { id: number };
    if (id % 50 === 0) this.#prune.run(this.#sessionId, id - MAX_EVENTS_PER_SESSION);
    return String(id);
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    const row = this.#streamOf.get(this.#sessionId, toRowId(eventId)) as { stream_id: string } | undefined;
    return row?.stream_id;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const streamId = await this.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) throw new Error(`unknown event id ${JSON.stringify(lastEventId)}`);
    for (const row of this.#after.all(this.#sessionId, streamId, toRowId(lastEventId))) {
      const event = row as { id: number; message: string };
      // The transport stores an empty priming event per stream; it carries no message to resend.
      if (event.message === "{}") continue;
      await send(String(event.id), JSON.parse(event.message) as JSONRPCMessage);
    }
    return streamId;
  }
}

function toRowId(eventId: EventId): number {
  const id = Number(eventId);
  return Number.isSafeInteger(id) ? id : -1;
}
