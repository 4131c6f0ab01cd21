import type { KbEntry, KbHit, KbListing, KnowledgeBase } from "./knowledge-base.ts";
import type { Sql } from "./sql.ts";

/** The knowledge base on SQLite, ranked by FTS5's BM25 (title weighted above body). */
export class SqlKnowledgeBase implements KnowledgeBase {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async put(entry: Omit<KbEntry, "updatedAt">): Promise<{ key: string; created: boolean; updatedAt: string }> {
    const updatedAt = new Date().toISOString();
    return this.#sql.transaction(() => {
      const created = this.#sql.get("SELECT 1 AS found FROM kb_entries WHERE key = ?", entry.key) === undefined;
      this.#sql.run(
        `INSERT INTO kb_entries (key, title, body, tags, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET title = excluded.title, body = excluded.body, tags = excluded.tags, updated_at = excluded.updated_at`,
        entry.key,
        entry.title,
        entry.body,
        JSON.stringify(entry.tags),
        updatedAt,
      );
      this.#sql.run("DELETE FROM kb_index WHERE key = ?", entry.key);
      this.#sql.run("INSERT INTO kb_index (key, title, body, tags) VALUES (?, ?, ?, ?)", entry.key, entry.title, entry.body, entry.tags.join(" "));
      return { key: entry.key, created, updatedAt };
    });
  }

  async search(query: string, limit: number): Promise<KbHit[]> {
    const match = toMatchExpression(query);
    if (match === undefined) return [];
    const rows = this.#sql.all<{ key: string; title: string; snippet: string; tags: string; rank: number }>(
      `SELECT key, title, snippet(kb_index, 2, '', '', '…', 24) AS snippet, tags, bm25(kb_index, 0, 4.0, 1.0, 2.0) AS rank
       FROM kb_index WHERE kb_index MATCH ? ORDER BY rank LIMIT ?`,
      match,
      limit,
    );
    // FTS5's bm25() is negative, more negative for a better match; the first row is the best.
    const best = rows[0]?.rank ?? 0;
    return rows.map((hit) => ({
      key: hit.key,
      title: hit.title,
      snippet: hit.snippet,
      tags: hit.tags.split(" ").filter(Boolean),
      score: best < 0 ? Math.round((hit.rank / best) * 1000) / 1000 : 1,
    }));
  }

  async get(key: string): Promise<KbEntry | undefined> {
    const row = this.#sql.get<Omit<KbEntry, "tags"> & { tags: string }>(
      "SELECT key, title, body, tags, updated_at AS updatedAt FROM kb_entries WHERE key = ?",
      key,
    );
    return row === undefined ? undefined : { key: row.key, title: row.title, body: row.body, updatedAt: row.updatedAt, tags: JSON.parse(row.tags) as string[] };
  }

  async list(prefix: string, limit: number): Promise<KbListing[]> {
    // A range on the primary key, not LIKE: `_` and `%` are ordinary characters of a key.
    return this.#sql.all<KbListing>(
      "SELECT key, title, updated_at AS updatedAt FROM kb_entries WHERE key >= ?1 AND key < ?1 || char(1114111) ORDER BY key LIMIT ?2",
      prefix,
      limit,
    );
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
