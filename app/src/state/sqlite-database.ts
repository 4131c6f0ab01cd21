import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { NODE_MIGRATIONS } from "./schema.ts";
import { migrate, type Sql, type SqlValue } from "./sql.ts";
import { WalCheckpointer } from "./wal-checkpointer.ts";

/**
 * Opens (creating if needed) the Node runtime's SQLite database at the
 * current schema (`migrations`: this release's, unless a test plays another
 * release's). WAL keeps readers off the writer's back and is what Litestream
 * replicates; `synchronous=NORMAL` in WAL mode loses nothing when the process
 * is killed, only on power loss.
 */
export function openDatabase(path: string, migrations: readonly (readonly string[])[] = NODE_MIGRATIONS): NodeSql {
  if (path === ":memory:") {
    const sql = new NodeSql(new DatabaseSync(path));
    migrate(sql, migrations);
    return sql;
  }
  mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 5000 });
  // Checkpoints run on their own thread (WalCheckpointer); SQLite's own, inside a commit, only past 64 MiB of WAL.
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES};`);
  const sql = new NodeSql(db);
  migrate(sql, migrations);
  sql.checkpointer = new WalCheckpointer(path);
  return sql;
}

/** SQLite's automatic checkpoint, kept as a fallback should the checkpoint thread fail: 16,384 pages of 4 KiB. */
const FALLBACK_CHECKPOINT_PAGES = 16_384;

/** {@link Sql} over `node:sqlite`, with prepared statements cached by text. */
export class NodeSql implements Sql {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #depth = 0;
  /** The database's checkpoint thread, stopped on close. */
  checkpointer: WalCheckpointer | undefined;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  run(query: string, ...params: SqlValue[]): void {
    this.#prepare(query).run(...params);
  }

  all<Row extends object>(query: string, ...params: SqlValue[]): Row[] {
    return this.#prepare(query).all(...params) as Row[];
  }

  get<Row extends object>(query: string, ...params: SqlValue[]): Row | undefined {
    return this.#prepare(query).get(...params) as Row | undefined;
  }

  transaction<T>(work: () => T): T {
    // Nested calls join the outer transaction.
    if (this.#depth > 0) return work();
    this.#db.exec("BEGIN IMMEDIATE");
    this.#depth++;
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    } finally {
      this.#depth--;
    }
  }

  hasTable(name: string): boolean {
    return this.get("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", name) !== undefined;
  }

  close(): void {
    void this.checkpointer?.stop();
    this.#db.close();
  }

  #prepare(query: string): StatementSync {
    let statement = this.#statements.get(query);
    if (statement === undefined) {
      statement = this.#db.prepare(query);
      this.#statements.set(query, statement);
    }
    return statement;
  }
}
