import type { DatabaseSync } from "node:sqlite";
import { MAX_NOTES_PER_KEY, type Note, type NoteStore } from "./notes.ts";

/** The scratchpad on the Node runtime's SQLite database. */
export class SqliteNoteStore implements NoteStore {
  readonly #insert;
  readonly #trim;
  readonly #list;
  readonly #clear;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare("INSERT INTO notes (state_key, text, created_at) VALUES (?, ?, ?) RETURNING id");
    this.#trim = db.prepare(
      "DELETE FROM notes WHERE state_key = ? AND id <= (SELECT id FROM notes WHERE state_key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
    );
    this.#list = db.prepare(
      "SELECT id, text, created_at AS createdAt FROM (SELECT * FROM notes WHERE state_key = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
    );
    this.#clear = db.prepare("DELETE FROM notes WHERE state_key = ?");
  }

  async add(stateKey: string, text: string): Promise<Note> {
    const createdAt = new Date().toISOString();
    const { id } = this.#insert.get(stateKey, text, createdAt) as { id: number };
    this.#trim.run(stateKey, stateKey, MAX_NOTES_PER_KEY);
    return { id, text, createdAt };
  }

  async list(stateKey: string, limit: number): Promise<Note[]> {
    return this.#list.all(stateKey, limit).map((row) => ({ ...(row as unknown as Note) }));
  }

  async clear(stateKey: string): Promise<void> {
    this.#clear.run(stateKey);
  }
}
