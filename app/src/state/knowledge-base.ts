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
  /** BM25 rank: lower is a better match. */
  rank: number;
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
}
