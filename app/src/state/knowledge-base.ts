/** A knowledge-base entry as stored. */
export interface KbEntry {
  key: string;
  title: string;
  body: string;
  tags: string[];
  /** ISO-8601 time of the last write. */
  updatedAt: string;
}

export interface KbHit {
  key: string;
  title: string;
  /** A short excerpt of the body around the matched terms. */
  snippet: string;
  tags: string[];
  /**
   * Relevance from 0 to 1, higher is better: this hit's BM25 score over the
   * best hit's in the same search, so the first hit scores 1 and a hit half
   * as relevant 0.5. Comparable within one search only (SQLite's raw BM25 is
   * negative, and in a small knowledge base close to zero, e.g. -0.0000016).
   */
  score: number;
}

/**
 * The persistent knowledge base: shared by every session and principal,
 * outlives them and restarts. Writes go to one writer region.
 */
export interface KnowledgeBase {
  /** Inserts or replaces the entry with this key. */
  put(entry: Omit<KbEntry, "updatedAt">): Promise<{ key: string; created: boolean; updatedAt: string }>;
  search(query: string, limit: number): Promise<KbHit[]>;
  get(key: string): Promise<KbEntry | undefined>;
  /** Entries whose key starts with `prefix` (all for ""), in key order, at most `limit`. */
  list(prefix: string, limit: number): Promise<KbListing[]>;
}

/** An entry as listed: enough to name it. */
export interface KbListing {
  key: string;
  title: string;
  updatedAt: string;
}
