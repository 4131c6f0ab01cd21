/**
 * One release's process over a shared database, driven line by line on stdin
 * (a JSON command each) and answering one JSON line each on stdout: `open`
 * migrates the database with the release's list, `write` adds a knowledge-base
 * entry and a note through the app's stores, `read` reads another release's.
 *
 *   node release-over-database.ts <database file> <current|expands|contracts> <name>
 */
import { createInterface } from "node:readline";
import { SqlKnowledgeBase } from "../../src/state/sql-knowledge-base.ts";
import { SqlNoteStore } from "../../src/state/sql-notes.ts";
import { openDatabase, type NodeSql } from "../../src/state/sqlite-database.ts";
import { RELEASE_SCHEMAS, type ReleaseSchema } from "./release-schemas.ts";

const [path, schema, name] = process.argv.slice(2) as [string, ReleaseSchema, string];
let db: NodeSql | undefined;

function opened(): NodeSql {
  if (!db) throw new Error("open the database first");
  return db;
}

type Command = { do: "open" } | { do: "write"; n: number } | { do: "read"; from: string; n: number } | { do: "close" };

async function answer(command: Command): Promise<Record<string, unknown>> {
  switch (command.do) {
    case "open": {
      db = openDatabase(path, RELEASE_SCHEMAS[schema]);
      return { version: db.get<{ version: number }>("SELECT max(version) AS version FROM schema_migrations")!.version };
    }
    case "write": {
      const key = `${name}/${command.n}`;
      await new SqlKnowledgeBase(opened()).put({ key, title: `written by ${name}`, body: `entry ${command.n} of ${name}`, tags: [name] });
      await new SqlNoteStore(opened()).add("shared", `note ${command.n} of ${name}`);
      // A release that knows the new column fills it; one that does not leaves it to its default.
      if (schema === "expands") opened().run("UPDATE kb_entries SET source = ? WHERE key = ?", name, key);
      return { key };
    }
    case "read": {
      const entry = await new SqlKnowledgeBase(opened()).get(`${command.from}/${command.n}`);
      const listed = await new SqlKnowledgeBase(opened()).list(`${command.from}/`, 500);
      const found = await new SqlKnowledgeBase(opened()).search(`entry ${command.n} of ${command.from}`, 1);
      const notes = await new SqlNoteStore(opened()).list("shared", 500);
      const source = schema === "expands" ? opened().get<{ source: string }>("SELECT source FROM kb_entries WHERE key = ?", `${command.from}/${command.n}`)?.source : undefined;
      return { entry, listed: listed.map((entry) => entry.key), found: found.map((hit) => hit.key), notes: notes.map((note) => note.text), ...(source === undefined ? {} : { source }) };
    }
    case "close":
      opened().close();
      setImmediate(() => process.exit(0));
      return {};
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  try {
    process.stdout.write(`${JSON.stringify({ ok: true, ...(await answer(JSON.parse(line) as Command)) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: (error as Error).message })}\n`);
  }
}
