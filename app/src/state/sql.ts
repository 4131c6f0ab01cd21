/**
 * The few SQL operations the stores need, over either SQLite the app runs on:
 * `node:sqlite` in the Node runtime and a Durable Object's storage on Workers.
 * One store implementation then serves both runtimes.
 */
export type SqlValue = string | number | null;

export interface Sql {
  /** Runs one statement for its effect. */
  run(query: string, ...params: SqlValue[]): void;
  /** Runs one statement and returns every row. */
  all<Row extends object>(query: string, ...params: SqlValue[]): Row[];
  /** Runs one statement and returns its first row. */
  get<Row extends object>(query: string, ...params: SqlValue[]): Row | undefined;
  /** Runs `work` atomically: all of its writes or none. */
  transaction<T>(work: () => T): T;
  /** Whether a table exists (lets a store answer "not found" without writing). */
  hasTable(name: string): boolean;
}

/**
 * Brings a database to the current schema. Each migration runs once, inside a
 * transaction, recorded in `schema_migrations` (Durable Objects forbid the
 * `user_version` pragma). Migrations expand only while an older release is
 * pinned (app/src/state/migration-kind.ts): every pinned release's process
 * runs over the same database. Those processes start together, so the version
 * is read again inside each migration's transaction, which holds the write
 * lock: one that another process applied meanwhile is not applied twice.
 */
export function migrate(sql: Sql, migrations: readonly (readonly string[])[]): void {
  sql.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = () => sql.get<{ version: number | null }>("SELECT max(version) AS version FROM schema_migrations")?.version ?? 0;
  for (let version = applied() + 1; version <= migrations.length; version++) {
    sql.transaction(() => {
      if (applied() >= version) return;
      for (const statement of migrations[version - 1]!) sql.run(statement);
      sql.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", version, Date.now());
    });
  }
}
