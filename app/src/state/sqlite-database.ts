import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * The schema, applied in order; `user_version` records how far a database
 * got. Changes are additive only: a Fly machine may still run the previous
 * release against the same file during a roll.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     principal TEXT NOT NULL,
     api_version TEXT NOT NULL,
     protocol_version TEXT NOT NULL,
     initialize_request TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX sessions_last_seen ON sessions(last_seen_at);
   CREATE TABLE session_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL,
     stream_id TEXT NOT NULL,
     message TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX session_events_stream ON session_events(session_id, stream_id, id);
   CREATE TABLE notes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     state_key TEXT NOT NULL,
     text TEXT NOT NULL,
     created_at TEXT NOT NULL
   ) STRICT;
   CREATE INDEX notes_key ON notes(state_key, id);
   CREATE TABLE kb_entries (
     key TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     body TEXT NOT NULL,
     tags TEXT NOT NULL,
     updated_at TEXT NOT NULL
   ) STRICT;
   CREATE VIRTUAL TABLE kb_index USING fts5(key UNINDEXED, title, body, tags, tokenize = 'porter unicode61');`,
];

/**
 * Opens (creating if needed) the app's SQLite database. WAL keeps readers off
 * the writer's back and is what Litestream replicates; `synchronous=NORMAL`
 * in WAL mode loses nothing when the process is killed, only on power loss.
 */
export function openDatabase(path: string): DatabaseSync {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 5000 });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
  migrate(db);
  return db;
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  for (let version = row.user_version; version < MIGRATIONS.length; version++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}
