import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { KbEntry, KbHit, KbListing, KnowledgeBase } from "../state/knowledge-base.ts";
import { NodeSql } from "../state/sqlite-database.ts";
import { SqlKnowledgeBase } from "../state/sql-knowledge-base.ts";

const run = promisify(execFile);
const FOLLOWER_CONFIG = fileURLToPath(new URL("../../fly/litestream-follower.yml", import.meta.url));

export interface PrimaryCopyOptions {
  /** The primary region's replica, e.g. `s3://bucket/litestream/iad/mcp.sqlite`. */
  replicaUrl: string;
  /** This machine's volume; copies live in `primary-copy/` under it. */
  dataDir: string;
  /** Time between restores. */
  intervalMs: number;
  /** A copy older than this is not read from: reads go to the primary again. */
  maxAgeMs: number;
  /** The Litestream binary. */
  litestream: string;
  log: (line: string) => void;
  now?: () => number;
}

interface Copy {
  sql: NodeSql;
  knowledgeBase: SqlKnowledgeBase;
  file: string;
  restoredAt: number;
}

/**
 * A region that is not the primary has none of the knowledge base in its own
 * SQLite. This keeps a read-only copy of the primary's database, restored
 * from the primary's Litestream replica every interval, so reads are served
 * here. The copy lags the primary by up to the interval, plus the primary's
 * own replication lag (about 2 s), plus the restore's duration.
 */
export class PrimaryCopy {
  readonly #options: PrimaryCopyOptions;
  readonly #dir: string;
  readonly #now: () => number;
  #copy: Copy | undefined;
  #restores = 0;
  #restoring: Promise<boolean> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: PrimaryCopyOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#dir = join(options.dataDir, "primary-copy");
    // Copies left by an earlier process are of unknown age.
    rmSync(this.#dir, { recursive: true, force: true });
    mkdirSync(this.#dir, { recursive: true });
  }

  /** Restores now, then every interval. */
  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Whether a copy recent enough to read from is open. */
  get fresh(): boolean {
    return this.#copy !== undefined && this.#now() - this.#copy.restoredAt <= this.#options.maxAgeMs;
  }

  /** Age of the open copy in seconds, or `null` before the first restore. */
  get ageSeconds(): number | null {
    return this.#copy === undefined ? null : Math.round((this.#now() - this.#copy.restoredAt) / 1000);
  }

  /** Reads from the newest copy; writes never come here (they run in the primary). */
  readonly knowledgeBase: KnowledgeBase = {
    put: async () => {
      throw new Error("the copy of the primary's knowledge base is read-only; writes run in the primary region");
    },
    search: async (query: string, limit: number): Promise<KbHit[]> => this.#current().search(query, limit),
    get: async (key: string): Promise<KbEntry | undefined> => this.#current().get(key),
    list: async (prefix: string, limit: number): Promise<KbListing[]> => this.#current().list(prefix, limit),
  };

  /** One restore; true when a new copy is open. Overlapping calls share the restore in flight. */
  refresh(): Promise<boolean> {
    this.#restoring ??= this.#restore().finally(() => (this.#restoring = undefined));
    return this.#restoring;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#copy?.sql.close();
    this.#copy = undefined;
  }

  async #restore(): Promise<boolean> {
    const name = `${++this.#restores}.sqlite`;
    const file = join(this.#dir, name);
    try {
      await run(this.#options.litestream, ["restore", "-config", FOLLOWER_CONFIG, "-if-replica-exists", "-o", file, join(this.#options.dataDir, "primary-copy.sqlite")], {
        env: { ...process.env, MCP_DATA_DIR: this.#options.dataDir, MCP_FOLLOW_REPLICA_URL: this.#options.replicaUrl },
        timeout: Math.max(this.#options.intervalMs * 2, 10_000),
      });
    } catch (error) {
      this.#remove(name);
      const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").at(-1);
      this.#options.log(`restore of the primary's replica failed: ${stderr || (error as Error).message}`);
      return false;
    }
    // -if-replica-exists: the primary has no backup yet, so nothing was restored.
    if (!existsSync(file)) return false;
    const sql = new NodeSql(new DatabaseSync(file, { readOnly: true }));
    const previous = this.#copy;
    this.#copy = { sql, knowledgeBase: new SqlKnowledgeBase(sql), file: name, restoredAt: this.#now() };
    if (previous !== undefined) {
      previous.sql.close();
      this.#remove(previous.file);
    }
    return true;
  }

  #current(): SqlKnowledgeBase {
    if (this.#copy === undefined) throw new Error("no copy of the primary's knowledge base has been restored yet");
    return this.#copy.knowledgeBase;
  }

  /** Deletes a copy with its -wal, -shm and Litestream's temporary files. */
  #remove(name: string): void {
    for (const entry of readdirSync(this.#dir)) if (entry.startsWith(name)) rmSync(join(this.#dir, entry), { force: true });
  }
}
