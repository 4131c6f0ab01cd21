import type { EventStore } from "@modelcontextprotocol/server";

/** What a 2025-11-25 session needs to come back after a restart. */
export interface SessionRecord {
  id: string;
  /** The principal that created the session; no one else may use it. */
  principal: string;
  apiVersion: string;
  protocolVersion: string;
  /** The client's initialize request, replayed into a fresh server on a cold start. */
  initializeRequest: unknown;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStore {
  create(record: SessionRecord): void;
  get(id: string): SessionRecord | undefined;
  /** Marks the session used now; cheap, called on every request. */
  touch(id: string, now: number): void;
  delete(id: string): void;
  /** Deletes sessions idle since before `cutoff`, returning their ids. */
  expire(cutoff: number): string[];
  /** The resumable-SSE event log of one session. */
  events(sessionId: string): EventStore;
}
