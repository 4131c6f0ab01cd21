import { MAX_NOTES_PER_KEY, type Note, type NoteStore } from "./notes.ts";
import type { Sql } from "./sql.ts";

/**
 * How many notes a key may gain between two trims. Trimming finds the
 * oldest note to keep by walking the key's index past MAX_NOTES_PER_KEY rows,
 * which costs more than the insert itself; `list` never returns more than
 * MAX_NOTES_PER_KEY, so the few extra rows kept between trims are never seen.
 */
const TRIM_EVERY = 64;

/** The scratchpad on SQLite: the Node database or a Durable Object's storage. */
export class SqlNoteStore implements NoteStore {
  readonly #sql: Sql;
  /** Inserts per key since its last trim; a key not in here (after a restart) is trimmed at its next insert. */
  readonly #sinceTrim = new Map<string, number>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async add(stateKey: string, text: string): Promise<Note> {
    const createdAt = new Date().toISOString();
    return this.#sql.transaction(() => {
      const { id } = this.#sql.get<{ id: number }>(
        "INSERT INTO notes (state_key, text, created_at) VALUES (?, ?, ?) RETURNING id",
        stateKey,
        text,
        createdAt,
      )!;
      const since = this.#sinceTrim.get(stateKey);
      if (since === undefined || since + 1 >= TRIM_EVERY) {
        this.#sql.run(
          "DELETE FROM notes WHERE state_key = ? AND id <= (SELECT id FROM notes WHERE state_key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
          stateKey,
          stateKey,
          MAX_NOTES_PER_KEY,
        );
        this.#sinceTrim.set(stateKey, 0);
      } else {
        this.#sinceTrim.set(stateKey, since + 1);
      }
      return { id, text, createdAt };
    });
  }

  async list(stateKey: string, limit: number): Promise<Note[]> {
    return this.#sql
      .all<Note>(
        "SELECT id, text, created_at AS createdAt FROM (SELECT * FROM notes WHERE state_key = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
        stateKey,
        limit,
      )
      .map((row) => ({ id: row.id, text: row.text, createdAt: row.createdAt }));
  }

  async clear(stateKey: string): Promise<void> {
    this.#sinceTrim.delete(stateKey);
    this.#sql.run("DELETE FROM notes WHERE state_key = ?", stateKey);
  }
}
