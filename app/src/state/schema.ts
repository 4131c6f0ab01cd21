/**
 * Tasks (io.modelcontextprotocol/tasks, SEP-2663): a task-augmented tool call's record, read back by its principal
 * with tasks/get. `lease_until` is renewed by the process running the work; past it, the work was lost (state/sql-tasks.ts)
 * and is run again from `call` (the tool's arguments) when the task can be resumed, at most `attempts` times. In the
 * Node database (migration 4) and in each principal's Durable Object on the Worker (migration 2).
 */
const TASKS_MIGRATION: readonly string[] = [
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     principal TEXT NOT NULL,
     tool TEXT NOT NULL,
     status TEXT NOT NULL,
     status_message TEXT,
     input_requests TEXT,
     result TEXT,
     error TEXT,
     ttl_ms INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     lease_until INTEGER,
     call TEXT,
     attempts INTEGER NOT NULL DEFAULT 1
   ) STRICT`,
  "CREATE INDEX tasks_expiry ON tasks(expires_at)",
];

/**
 * Quota counters (state/sql-quotas.ts): per key (a principal or a tenant) and per tool with limits of its own, the
 * per-minute rate and the UTC day's calls. In the Node database (migration 5) and in the Durable Object holding
 * each key's quota on the Worker (migration 3).
 */
const QUOTAS_MIGRATION: readonly string[] = [
  `CREATE TABLE quota_counters (
     key TEXT NOT NULL,
     tool TEXT NOT NULL,
     minute_at REAL NOT NULL DEFAULT 0,
     day INTEGER NOT NULL DEFAULT 0,
     day_calls INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (key, tool)
   ) STRICT, WITHOUT ROWID`,
  "CREATE INDEX quota_counters_day ON quota_counters(day)",
];

/**
 * The app's tables, one migration per entry. Sessions, their SSE event log
 * and the scratchpad exist in both runtimes (a Durable Object's storage, the
 * Node database); the tasks in the Node database and in each principal's
 * object on the Worker; the rest only in the Node database.
 */
export const SESSION_MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE sessions (
       id TEXT PRIMARY KEY,
       principal TEXT NOT NULL,
       api_version TEXT NOT NULL,
       protocol_version TEXT NOT NULL,
       initialize_request TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       last_seen_at INTEGER NOT NULL
     ) STRICT`,
    "CREATE INDEX sessions_last_seen ON sessions(last_seen_at)",
    `CREATE TABLE session_events (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       session_id TEXT NOT NULL,
       stream_id TEXT NOT NULL,
       message TEXT NOT NULL,
       created_at INTEGER NOT NULL
     ) STRICT`,
    "CREATE INDEX session_events_stream ON session_events(session_id, stream_id, id)",
    `CREATE TABLE notes (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       state_key TEXT NOT NULL,
       text TEXT NOT NULL,
       created_at TEXT NOT NULL
     ) STRICT`,
    "CREATE INDEX notes_key ON notes(state_key, id)",
  ],
];

/** The Node runtime's database: the sessions' tables, the knowledge base, the signatures already seen, the tasks and the quota counters. */
export const NODE_MIGRATIONS: readonly (readonly string[])[] = [
  ...SESSION_MIGRATIONS,
  [
    `CREATE TABLE kb_entries (
       key TEXT PRIMARY KEY,
       title TEXT NOT NULL,
       body TEXT NOT NULL,
       tags TEXT NOT NULL,
       updated_at TEXT NOT NULL
     ) STRICT`,
    "CREATE VIRTUAL TABLE kb_index USING fts5(key UNINDEXED, title, body, tags, tokenize = 'porter unicode61')",
  ],
  [
    // Signed calls already served, kept while their timestamp is fresh: an exact replay is refused after a restart too.
    "CREATE TABLE seen_signatures (signature TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID",
    "CREATE INDEX seen_signatures_expiry ON seen_signatures(expires_at)",
  ],
  TASKS_MIGRATION,
  QUOTAS_MIGRATION,
];

/** A principal's Durable Object on the Worker (runtimes/worker/principal-state.ts): its scratchpad, its tasks and its quota counters. */
export const PRINCIPAL_MIGRATIONS: readonly (readonly string[])[] = [...SESSION_MIGRATIONS, TASKS_MIGRATION, QUOTAS_MIGRATION];
