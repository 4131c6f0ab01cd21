import { MAX_NOTES_PER_KEY, type Note, type NoteStore } from "./notes.ts";
import type { Sql } from "./sql.ts";

/** The scratchpad on SQLite: the Node database or a Durable Object's storage. */
export class SqlNoteStore implements NoteStore {
  readonly #sql: Sql;

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
      this.#sql.run(
        "DELETE FROM notes WHERE state_key = ? AND id <= (SELECT id FROM notes WHERE state_key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        stateKey,
        stateKey,
        MAX_NOTES_PER_KEY,
      );
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
    this.#sql.run("DELETE FROM notes WHERE state_key = ?", stateKey);
  }
}
