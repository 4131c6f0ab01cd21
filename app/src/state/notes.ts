/** One scratchpad entry. */
export interface Note {
  id: number;
  text: string;
  /** ISO-8601 creation time. */
  createdAt: string;
}

/**
 * The per-session scratchpad. `stateKey` is a session (2025-11-25) or a
 * principal (2026-07-28); entries never leak across keys.
 */
export interface NoteStore {
  add(stateKey: string, text: string): Promise<Note>;
  /** Newest last, at most `limit` entries (the most recent ones). */
  list(stateKey: string, limit: number): Promise<Note[]>;
  /** Drops every note of a key, e.g. when its session is deleted. */
  clear(stateKey: string): Promise<void>;
}

/** How many notes one key may hold; the oldest are dropped past it. */
export const MAX_NOTES_PER_KEY = 1000;
