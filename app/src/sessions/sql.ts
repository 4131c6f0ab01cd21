import type { EventId, EventStore, JSONRPCMessage, StreamId } from "@modelcontextprotocol/server";
import type { Sql } from "../state/sql.ts";
import { SessionEventLog, type EventLogWrites } from "./event-log.ts";
import type { SessionRecord, SessionStore } from "./session-store.ts";

/** The id of a stream's priming event is this prefix and the stream id. */
const PRIMING_PREFIX = "p.";

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
  readonly #events: SessionEventLog;

  /** `eventWrites`: how SSE events reach the table (event-log.ts); `batched` on Node. */
  constructor(sql: Sql, { eventWrites = "immediate" }: { eventWrites?: EventLogWrites } = {}) {
    this.#sql = sql;
    this.#events = new SessionEventLog(sql, eventWrites);
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
      this.#events.deleteSession(id);
    });
  }

  expire(cutoff: number): string[] {
    const ids = this.#sql.all<{ id: string }>("SELECT id FROM sessions WHERE last_seen_at < ?", cutoff).map((row) => row.id);
    for (const id of ids) this.delete(id);
    return ids;
  }

  events(sessionId: string): EventStore {
    return new SqlEventStore(this.#events, sessionId);
  }

  /** Writes pending events; called before the database closes. */
  flush(): void {
    this.#events.flush();
  }
}

/** The SDK's resumability hook, persisted so a stream resumes even after a restart. */
class SqlEventStore implements EventStore {
  readonly #log: SessionEventLog;
  readonly #sessionId: string;

  constructor(log: SessionEventLog, sessionId: string) {
    this.#log = log;
    this.#sessionId = sessionId;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    // The transport's priming event (one per stream, empty) carries nothing to resend: its id
    // names the stream and is not stored, so a POST costs one write less.
    if (Object.keys(message).length === 0) return `${PRIMING_PREFIX}${streamId}`;
    return String(this.#log.append(this.#sessionId, streamId, JSON.stringify(message)));
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    if (eventId.startsWith(PRIMING_PREFIX)) return eventId.slice(PRIMING_PREFIX.length) || undefined;
    return this.#log.streamOf(this.#sessionId, toRowId(eventId));
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const streamId = await this.getStreamIdForEventId(lastEventId);
    if (streamId === undefined) throw new Error(`unknown event id ${JSON.stringify(lastEventId)}`);
    // After a priming event: everything the stream has.
    const after = lastEventId.startsWith(PRIMING_PREFIX) ? 0 : toRowId(lastEventId);
    for (const event of this.#log.after(this.#sessionId, streamId, after)) {
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
