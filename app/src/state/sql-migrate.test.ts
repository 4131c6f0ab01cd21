import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DatabaseSync } from "node:sqlite";
import { NODE_MIGRATIONS } from "./schema.ts";
import { migrate, type Sql } from "./sql.ts";
import { NodeSql, openDatabase } from "./sqlite-database.ts";

test("two releases starting together over one file: a migration the other applied after this one looked is not applied again", () => {
  const path = join(mkdtempSync(join(tmpdir(), "mcp-migrate-")), "state.db");
  const late = new NodeSql(new DatabaseSync(path, { timeout: 5000 }));
  let raced = false;
  // Between this process reading the version and taking the write lock, another release's process migrates the file.
  const racing: Sql = {
    run: (query, ...params) => late.run(query, ...params),
    all: (query, ...params) => late.all(query, ...params),
    get: (query, ...params) => late.get(query, ...params),
    hasTable: (name) => late.hasTable(name),
    transaction(work) {
      if (!raced) {
        raced = true;
        openDatabase(path).close();
      }
      return late.transaction(work);
    },
  };
  migrate(racing, NODE_MIGRATIONS);
  assert.equal(raced, true);
  const versions = late.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version").map((row) => row.version);
  assert.deepEqual(versions, NODE_MIGRATIONS.map((_, index) => index + 1));
  late.close();
});
