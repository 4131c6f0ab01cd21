import type { Sql, SqlValue } from "../../state/sql.ts";

/** {@link Sql} over a Durable Object's SQLite storage (`ctx.storage`). */
export class DurableObjectSql implements Sql {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  run(query: string, ...params: SqlValue[]): void {
    this.#storage.sql.exec(query, ...params);
  }

  all<Row extends object>(query: string, ...params: SqlValue[]): Row[] {
    return this.#storage.sql.exec(query, ...params).toArray() as unknown as Row[];
  }

  get<Row extends object>(query: string, ...params: SqlValue[]): Row | undefined {
    return this.all<Row>(query, ...params)[0];
  }

  transaction<T>(work: () => T): T {
    return this.#storage.transactionSync(work);
  }

  hasTable(name: string): boolean {
    return this.get("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", name) !== undefined;
  }
}
