import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyMigrations, classifyStatement, summariseSchema } from "./migration-kind.ts";
import { NODE_MIGRATIONS, SESSION_MIGRATIONS } from "./schema.ts";

test("every migration the app ships today is expand-only", () => {
  for (const migrations of [NODE_MIGRATIONS, SESSION_MIGRATIONS]) {
    for (const migration of classifyMigrations(migrations)) assert.equal(migration.kind, "expand", `migration ${migration.version}: ${migration.reasons.join("; ")}`);
  }
  assert.deepEqual(summariseSchema(NODE_MIGRATIONS), { version: NODE_MIGRATIONS.length, contracting: [] });
});

test("what an older release can live beside expands: new tables, nullable or defaulted columns, plain indexes, virtual tables", () => {
  const expanding = [
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL) STRICT",
    "CREATE TABLE IF NOT EXISTS \"Audit2\" (id INTEGER)",
    "ALTER TABLE kb_entries ADD COLUMN source TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE kb_entries ADD source TEXT",
    "ALTER TABLE notes ADD COLUMN pinned INTEGER DEFAULT 0 NOT NULL",
    "CREATE INDEX kb_entries_updated ON kb_entries(updated_at)",
    "CREATE INDEX IF NOT EXISTS main.notes_text ON notes(text) WHERE text <> ''",
    "CREATE VIRTUAL TABLE notes_index USING fts5(text)",
    "CREATE VIEW recent_notes AS SELECT * FROM notes ORDER BY id DESC",
    "-- why: listing by tag\nCREATE INDEX kb_tags ON kb_entries(tags);",
  ];
  for (const statement of expanding) assert.equal(classifyStatement(statement).kind, "expand", statement);
});

test("what breaks an older release contracts, and the reason names the table and column", () => {
  const contracting: [string, string][] = [
    ["ALTER TABLE kb_entries DROP COLUMN tags", "drops column kb_entries.tags"],
    ["alter table \"kb_entries\" drop tags", "drops column kb_entries.tags"],
    ["ALTER TABLE notes RENAME COLUMN text TO body", "renames column notes.text to body"],
    ["ALTER TABLE notes RENAME TO scratchpad", "renames table notes to scratchpad"],
    ["DROP TABLE seen_signatures", "drops table seen_signatures"],
    ["DROP INDEX IF EXISTS notes_key", "drops index notes_key: an older release may rely on it (a unique index for its upserts)"],
    ["CREATE UNIQUE INDEX notes_text ON notes(state_key, text)", "creates unique index notes_text on existing table notes: an older release's writes may collide with it"],
    ["ALTER TABLE notes ADD COLUMN author TEXT NOT NULL", "adds column notes.author with NOT NULL without a default: an older release's inserts leave it out and fail"],
    ["ALTER TABLE notes ADD COLUMN size INTEGER DEFAULT 0 CHECK (size >= 0)", "adds column notes.size with a CHECK constraint: an older release's writes may fail it"],
    ["UPDATE kb_entries SET tags = lower(tags)", "rewrites data: updates existing table kb_entries"],
    ["DELETE FROM notes WHERE created_at < '2026'", "rewrites data: deletes from existing table notes"],
    ["INSERT INTO kb_entries SELECT * FROM kb_old", "rewrites data: inserts into existing table kb_entries"],
    ["CREATE TRIGGER notes_guard BEFORE INSERT ON notes BEGIN SELECT RAISE(ABORT, 'no'); END", "creates trigger notes_guard on existing table notes: it runs on an older release's writes"],
  ];
  for (const [statement, reason] of contracting) assert.deepEqual(classifyStatement(statement), { kind: "contract", reason }, statement);
});

test("a statement the classifier does not know contracts, and the reason quotes it", () => {
  assert.deepEqual(classifyStatement("PRAGMA foreign_keys = ON"), { kind: "contract", reason: "a statement not known to be expand-only (PRAGMA foreign_keys = ON)" });
  assert.match(classifyStatement("WITH old AS (SELECT key FROM kb_entries) DELETE FROM kb_entries WHERE key IN old").reason, /^a statement not known to be expand-only \(WITH old AS/);
  assert.match(classifyStatement("CREATE TABLE a (x); DROP TABLE notes").reason, /^holds more than one statement/);
});

test("inside one migration, a table created there takes a unique index, rows and renames as expand", () => {
  const [migration] = classifyMigrations([
    [
      "CREATE TABLE tags (kb_key TEXT NOT NULL, tag TEXT NOT NULL) STRICT",
      "CREATE UNIQUE INDEX tags_pair ON tags(kb_key, tag)",
      "INSERT INTO tags (kb_key, tag) SELECT key, value FROM kb_entries, json_each('[' || tags || ']')",
    ],
  ]);
  assert.equal(migration!.kind, "expand", migration!.reasons.join("; "));
  // The same unique index in the next migration is on an existing table.
  assert.equal(classifyMigrations([[], ["CREATE UNIQUE INDEX tags_pair ON tags(kb_key, tag)"]])[1]!.kind, "contract");
});

test("a table rebuilt to add a CHECK contracts: the old table is dropped and the new one renamed over it", () => {
  const rebuilt = [
    ...NODE_MIGRATIONS,
    [
      "CREATE TABLE notes_new (id INTEGER PRIMARY KEY AUTOINCREMENT, state_key TEXT NOT NULL, text TEXT NOT NULL CHECK (length(text) <= 4000), created_at TEXT NOT NULL) STRICT",
      "INSERT INTO notes_new SELECT * FROM notes",
      "DROP TABLE notes",
      "ALTER TABLE notes_new RENAME TO notes",
    ],
  ];
  const summary = summariseSchema(rebuilt);
  assert.deepEqual(summary, { version: NODE_MIGRATIONS.length + 1, contracting: [{ version: NODE_MIGRATIONS.length + 1, reason: "drops table notes" }] });
});
