/**
 * Whether a schema migration is expand-only or contracts the schema. Every
 * pinned release runs a process over the region's one SQLite database, so a
 * release still pinned that was built before a migration keeps reading and
 * writing the tables it knew. A migration may only *expand* what such a
 * release sees: new tables, views and virtual tables, new columns it can
 * ignore (nullable or with a default), non-unique indexes. Anything else
 * *contracts*: a dropped or renamed column or table, a constraint its writes
 * may now break, rows rewritten under it. The releases' compat check
 * (stacks/compat/schema-rule.ts) refuses a contracting migration while a
 * release from before it is still pinned.
 *
 * The classification is by the statement's text and conservative: a statement
 * it does not recognise contracts, and the reason names it.
 */

export type MigrationKind = "expand" | "contract";

export interface StatementClass {
  kind: MigrationKind;
  /** Why, in words: "drops column kb_entries.tags". */
  reason: string;
}

export interface MigrationClass {
  /** The migration's number: its index in the list, plus one. */
  version: number;
  kind: MigrationKind;
  /** One per statement that contracts, or one saying why the migration expands. */
  reasons: string[];
}

/** A schema's version and its contracting migrations, as a release manifest records them. */
export interface SchemaSummary {
  version: number;
  contracting: { version: number; reason: string }[];
}

// A name as SQLite takes it: bare, "double", `back` or [bracket] quoted, optionally schema-qualified.
const NAME = String.raw`(?:(?:"[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\]|[\w$]+)\s*\.\s*)?(?:"[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\]|[\w$]+)`;
const IF_NOT_EXISTS = String.raw`(?:IF\s+NOT\s+EXISTS\s+)?`;
const IF_EXISTS = String.raw`(?:IF\s+EXISTS\s+)?`;

function pattern(source: string): RegExp {
  return new RegExp(`^${source}`, "i");
}

const CREATE_TABLE = pattern(String.raw`CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+${IF_NOT_EXISTS}(${NAME})`);
const CREATE_VIRTUAL = pattern(String.raw`CREATE\s+VIRTUAL\s+TABLE\s+${IF_NOT_EXISTS}(${NAME})`);
const CREATE_VIEW = pattern(String.raw`CREATE\s+(?:TEMP(?:ORARY)?\s+)?VIEW\s+${IF_NOT_EXISTS}(${NAME})`);
const CREATE_INDEX = pattern(String.raw`CREATE\s+(UNIQUE\s+)?INDEX\s+${IF_NOT_EXISTS}(${NAME})\s+ON\s+(${NAME})`);
const CREATE_TRIGGER = pattern(String.raw`CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\s+${IF_NOT_EXISTS}(${NAME})[\s\S]*?\bON\s+(${NAME})`);
const ADD_COLUMN = pattern(String.raw`ALTER\s+TABLE\s+(${NAME})\s+ADD\s+(?:COLUMN\s+)?(${NAME})([\s\S]*)$`);
const DROP_COLUMN = pattern(String.raw`ALTER\s+TABLE\s+(${NAME})\s+DROP\s+(?:COLUMN\s+)?(${NAME})`);
const RENAME_COLUMN = pattern(String.raw`ALTER\s+TABLE\s+(${NAME})\s+RENAME\s+(?:COLUMN\s+)?(?!TO\b)(${NAME})\s+TO\s+(${NAME})`);
const RENAME_TABLE = pattern(String.raw`ALTER\s+TABLE\s+(${NAME})\s+RENAME\s+TO\s+(${NAME})`);
const DROP = pattern(String.raw`DROP\s+(TABLE|INDEX|VIEW|TRIGGER)\s+${IF_EXISTS}(${NAME})`);
const INSERT = pattern(String.raw`(?:INSERT(?:\s+OR\s+\w+)?|REPLACE)\s+INTO\s+(${NAME})`);
const UPDATE = pattern(String.raw`UPDATE(?:\s+OR\s+\w+)?\s+(${NAME})`);
const DELETE = pattern(String.raw`DELETE\s+FROM\s+(${NAME})`);

/** The bare, lower-case name: `"main"."Notes"` → `notes`. */
function nameOf(text: string): string {
  const last = text.split(/\s*\.\s*(?=["`[\w$])/).at(-1)!;
  return last.replace(/^["`[]|["`\]]$/g, "").toLowerCase();
}

/** The statement without comments, with whitespace collapsed, and without a trailing semicolon. */
function normalise(statement: string): string {
  return statement
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/;\s*$/, "")
    .trim();
}

/** The first words of a statement, to name it in a reason. */
function headOf(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 57)}…`;
}

/** Whether text outside quotes holds a semicolon: more than one statement in one entry. */
function holdsSeveral(text: string): boolean {
  return /;/.test(text.replace(/'(?:[^']|'')*'|"[^"]*"/g, ""));
}

/** A column definition's constraints that an older release's writes can break. */
function tighteningOf(definition: string): string | undefined {
  const text = definition.replace(/'(?:[^']|'')*'/g, "''");
  if (/\bNOT\s+NULL\b/i.test(text) && !/\bDEFAULT\b/i.test(text)) return "NOT NULL without a default: an older release's inserts leave it out and fail";
  if (/\bCHECK\s*\(/i.test(text)) return "a CHECK constraint: an older release's writes may fail it";
  if (/\b(UNIQUE|PRIMARY\s+KEY)\b/i.test(text)) return "a uniqueness constraint: an older release's writes may collide";
  if (/\bREFERENCES\b/i.test(text)) return "a foreign key: an older release's writes may break it";
  return undefined;
}

/**
 * Classifies one statement of a migration. `created` holds the tables (and
 * views) created earlier in the same migration: nothing from before the
 * migration knows them, so anything done to them expands. Creating a table
 * adds it to `created`.
 */
export function classifyStatement(statement: string, created: Set<string> = new Set()): StatementClass {
  const text = normalise(statement);
  const expand = (reason: string): StatementClass => ({ kind: "expand", reason });
  const contract = (reason: string): StatementClass => ({ kind: "contract", reason });
  const isNew = (name: string) => created.has(nameOf(name));

  let m: RegExpMatchArray | null;
  if ((m = text.match(CREATE_TRIGGER))) {
    return isNew(m[2]!)
      ? expand(`creates trigger ${nameOf(m[1]!)} on new table ${nameOf(m[2]!)}`)
      : contract(`creates trigger ${nameOf(m[1]!)} on existing table ${nameOf(m[2]!)}: it runs on an older release's writes`);
  }
  if (holdsSeveral(text)) return contract(`holds more than one statement (${headOf(text)}): write one statement per entry so each is classified`);
  if ((m = text.match(CREATE_VIRTUAL))) {
    created.add(nameOf(m[1]!));
    return expand(`creates virtual table ${nameOf(m[1]!)}`);
  }
  if ((m = text.match(CREATE_TABLE))) {
    created.add(nameOf(m[1]!));
    return expand(`creates table ${nameOf(m[1]!)}`);
  }
  if ((m = text.match(CREATE_VIEW))) {
    created.add(nameOf(m[1]!));
    return expand(`creates view ${nameOf(m[1]!)}`);
  }
  if ((m = text.match(CREATE_INDEX))) {
    const [index, table] = [nameOf(m[2]!), nameOf(m[3]!)];
    if (!m[1]) return expand(`creates index ${index} on ${table}`);
    return isNew(table)
      ? expand(`creates unique index ${index} on new table ${table}`)
      : contract(`creates unique index ${index} on existing table ${table}: an older release's writes may collide with it`);
  }
  if ((m = text.match(ADD_COLUMN))) {
    const [table, column] = [nameOf(m[1]!), nameOf(m[2]!)];
    if (isNew(table)) return expand(`adds column ${table}.${column} to new table ${table}`);
    const tightening = tighteningOf(m[3]!);
    return tightening ? contract(`adds column ${table}.${column} with ${tightening}`) : expand(`adds column ${table}.${column}`);
  }
  if ((m = text.match(DROP_COLUMN))) {
    const [table, column] = [nameOf(m[1]!), nameOf(m[2]!)];
    return isNew(table) ? expand(`drops column ${table}.${column} of new table ${table}`) : contract(`drops column ${table}.${column}`);
  }
  if ((m = text.match(RENAME_TABLE))) {
    const [from, to] = [nameOf(m[1]!), nameOf(m[2]!)];
    if (isNew(from)) {
      created.add(to);
      return expand(`renames new table ${from} to ${to}`);
    }
    return contract(`renames table ${from} to ${to}`);
  }
  if ((m = text.match(RENAME_COLUMN))) {
    const [table, from, to] = [nameOf(m[1]!), nameOf(m[2]!), nameOf(m[3]!)];
    return isNew(table) ? expand(`renames column ${table}.${from} of new table ${table}`) : contract(`renames column ${table}.${from} to ${to}`);
  }
  if ((m = text.match(DROP))) {
    const [what, name] = [m[1]!.toLowerCase(), nameOf(m[2]!)];
    if (isNew(name)) return expand(`drops ${what} ${name}, created in the same migration`);
    const why = what === "index" ? ": an older release may rely on it (a unique index for its upserts)" : "";
    return contract(`drops ${what} ${name}${why}`);
  }
  for (const [write, verb] of [
    [INSERT, "inserts into"],
    [UPDATE, "updates"],
    [DELETE, "deletes from"],
  ] as const) {
    if ((m = text.match(write))) {
      const table = nameOf(m[1]!);
      return isNew(table) ? expand(`${verb} new table ${table}`) : contract(`rewrites data: ${verb} existing table ${table}`);
    }
  }
  return contract(`a statement not known to be expand-only (${headOf(text)})`);
}

/** Classifies each migration of a list; a migration contracts when any of its statements does. */
export function classifyMigrations(migrations: readonly (readonly string[])[]): MigrationClass[] {
  return migrations.map((statements, index) => {
    const created = new Set<string>();
    const classes = statements.map((statement) => classifyStatement(statement, created));
    const contracting = classes.filter((c) => c.kind === "contract");
    return contracting.length > 0
      ? { version: index + 1, kind: "contract", reasons: contracting.map((c) => c.reason) }
      : { version: index + 1, kind: "expand", reasons: classes.map((c) => c.reason) };
  });
}

/** The schema version a list of migrations brings a database to, and which of its migrations contract. */
export function summariseSchema(migrations: readonly (readonly string[])[]): SchemaSummary {
  return {
    version: migrations.length,
    contracting: classifyMigrations(migrations)
      .filter((c) => c.kind === "contract")
      .map((c) => ({ version: c.version, reason: c.reasons.join("; ") })),
  };
}
