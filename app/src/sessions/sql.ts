import type { EventId, EventStore, JSONRPCMessage, StreamId } from "@modelcontextprotocol/server";
import type { Sql } from "../state/sql.ts";
import type { SessionRecord, SessionStore } from "./session-store.ts";

/** The id of a stream's priming event is this prefix and the stream id. */
const PRIMING_PREFIX = "p.";

/** Events kept per session for SSE resumption; older ones are pruned. */
const MAX_EVENTS_PER_SESSION = 500;

interface SessionRow {
  id: string;
  principal: string;
  api_version: string;
  protocol_version: string;
  initialize_request: string;
  created_at: number;
  last_seen_at: number;
}

/** Sessions and their SSE event logs on SQLite: the Node database, or a Durable Object's storage. */
export class SqlSessionStore implements SessionStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  create(record: SessionRecord): void {
    this.#sql.run(
      `INSERT INTO sessions (id, principal, api_version, protocol_version, initialize_request, created_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
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
    const row = this.#sql.get<SessionRow>("SELECT * FROM sessions WHERE id = ?", id);
    if (row === undefined) return undefined;
    return {
      id: row.id,
      principal: row.principal,
      apiVersion: row.api_version,
      protocolVersion: row.protocol_version,
      initializeRequest: JSON.parse(row.initialize_request),
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
    };
  }

  touch(id: string, now: number): void {
    this.#sql.run("UPDATE sessions SET last_seen_at = ? WHERE id = ?", now, id);
  }

  delete(id: string): void {
    this.#sql.transaction(() => {
      this.#sql.run("DELETE FROM sessions WHERE id = ?", id);
      this.#sql.run("DELETE FROM session_events WHERE session_id = ?", id);
    });
  }

  expire(cutoff: number): string[] {
    const ids = this.#sql.all<{ id: string }>("SELECT id FROM sessions WHERE last_seen_at < ?", cutoff).map((row) => row.id);
    for (const id of ids) this.delete(id);
    return ids;
  }

  events(sessionId: string): EventStore {
    return new SqlEventStore(this.#sql, sessionId);
  }
}

/** The SDK's resumability hook, persisted so a stream resumes even after a restart. */
class SqlEventStore implements EventStore {
  readonly #sql: Sql;
  readonly #sessionId: string;

  constructor(sql: Sql, sessionId: string) {
    this.#sql = sql;
    this.#sessionId = sessionId;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    // The transport's priming event (one per stream, empty) carries nothing to resend: its id
    // names the stream and is not stored, so a POST costs one write less.
    if (Object.keys(message).length === 0) return `${PRIMING_PREFIX}${streamId}`;
    const { id } = this.#sql.get<{ id: number }>(
      "INSERT INTO session_events (session_id, stream_id, message, created_at) VALUES (?, ?, ?, ?) RETURNING id",
      this.#sessionId,
      streamId,
      JSON.stringify(message),
      Date.now(),
    )!;
    if (id % 50 === 0) this.#sql.run("DELETE FROM session_events WHERE session_id = ? AND id <= ?", this.#sessionId, id - MAX_EVENTS_PER_SESSION);
    return String(id);
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    if (eventId.startsWith(PRIMING_PREFIX)) return eventId.slice(PRIMING_PREFIX.length) || undefined;
    return this.#sql.get<{ stream_id: string }>(
      "SELECT stream_id FROM session_events WHERE session_id = ? AND id = ?",
      this.#sessionId,
      toRowId(eventId),
    )?.stream_id;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const streamId = await this.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) throw new Error(`unknown event id ${JSON.stringify(lastEventId)}`);
    // After a priming event: everything the stream has.
    const after = lastEventId.startsWith(PRIMING_PREFIX) ? 0 : toRowId(lastEventId);
    const rows = this.#sql.all<{ id: number; message: string }>(
      "SELECT id, message FROM session_events WHERE session_id = ? AND stream_id = ? AND id > ? ORDER BY id",
      this.#sessionId,
      streamId,
      after,
    );
    for (const event of rows) {
      // Databases written before priming events went unstored hold them as rows; they carry nothing to resend.
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
