import type { DatabaseSync } from "node:sqlite";
import type { KbEntry, KbHit, KnowledgeBase } from "./knowledge-base.ts";

/** The knowledge base on SQLite, ranked by FTS5's BM25 (title weighted above body). */
export class SqliteKnowledgeBase implements KnowledgeBase {
  readonly #db: DatabaseSync;
  readonly #exists;
  readonly #upsert;
  readonly #unindex;
  readonly #index;
  readonly #search;
  readonly #get;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#exists = db.prepare("SELECT 1 FROM kb_entries WHERE key = ?");
    this.#upsert = db.prepare(
      `INSERT INTO kb_entries (key, title, body, tags, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET title = excluded.title, body = excluded.body, tags = excluded.tags, updated_at = excluded.updated_at`,
    );
    this.#unindex = db.prepare("DELETE FROM kb_index WHERE key = ?");
    this.#index = db.prepare("INSERT INTO kb_index (key, title, body, tags) VALUES (?, ?, ?, ?)");
    this.#search = db.prepare(
      `SELECT key, title, snippet(kb_index, 2, '', '', '…', 24) AS snippet, tags, bm25(kb_index, 0, 4.0, 1.0, 2.0) AS rank
       FROM kb_index WHERE kb_index MATCH ? ORDER BY rank LIMIT ?`,
    );
    this.#get = db.prepare("SELECT key, title, body, tags, updated_at AS updatedAt FROM kb_entries WHERE key = ?");
  }

  async put(entry: Omit<KbEntry, "updatedAt">): Promise<{ key: string; created: boolean; updatedAt: string }> {
    const updatedAt = new Date().toISOString();
    const tags = JSON.stringify(entry.tags);
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const created = this.#exists.get(entry.key) === undefined;
      this.#upsert.run(entry.key, entry.title, entry.body, tags, updatedAt);
      this.#unindex.run(entry.key);
      this.#index.run(entry.key, entry.title, entry.body, entry.tags.join(" "));
      this.#db.exec("COMMIT");
      return { key: entry.key, created, updatedAt };
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  async search(query: string, limit: number): Promise<KbHit[]> {
    const match = toMatchExpression(query);
    if (match === undefined) return [];
    return this.#search.all(match, limit).map((row) => {
      const hit = row as { key: string; title: string; snippet: string; tags: string; rank: number };
      return { key: hit.key, title: hit.title, snippet: hit.snippet, tags: hit.tags.split(" ").filter(Boolean), rank: hit.rank };
    });
  }

  async get(key: string): Promise<KbEntry | undefined> {
    const row = this.#get.get(key) as (Omit<KbEntry, "tags"> & { tags: string }) | undefined;
    return row === undefined ? undefined : { ...row, tags: JSON.parse(row.tags) as string[] };
  }
}

/**
 * Turns free text into an FTS5 expression that cannot be a syntax error:
 * each word becomes a quoted prefix term, and terms are OR-ed so partial
 * matches still rank (BM25 puts entries matching more terms first).
 */
export function toMatchExpression(query: string): string | undefined {
  const words = query.match(/[\p{L}\p{N}_]+/gu)?.slice(0, 32) ?? [];
  if (words.length === 0) return undefined;
  return words.map((word) => `"${word}"*`).join(" OR ");
}
