// Two releases over one SQLite file at once, as a Fly machine runs every pinned release: each its
// own process, migrating with its own list. An expand-only migration lets both write and read each
// other's writes; a contracting one breaks the older release, which is why compat refuses to pin it
// beside one (stacks/compat/schema-rule.ts).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { classifyMigrations } from "../src/state/migration-kind.ts";
import { NODE_MIGRATIONS } from "../src/state/schema.ts";
import { RELEASE_SCHEMAS, type ReleaseSchema } from "./support/release-schemas.ts";

const RELEASE = fileURLToPath(new URL("./support/release-over-database.ts", import.meta.url));
const WRITES = 20;

interface Answer {
  ok: boolean;
  error?: string;
  [field: string]: unknown;
}

/** A release's process over `path`; `ask` sends one command and resolves with its answer. */
function startRelease(t: TestContext, path: string, schema: ReleaseSchema, name: string) {
  const child = spawn(process.execPath, [RELEASE, path, schema, name], { stdio: ["pipe", "pipe", "inherit"] });
  t.after(() => child.kill());
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let queue = Promise.resolve();
  const ask = (command: object): Promise<Answer> => {
    const asked = queue.then(async () => {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      const next = await answers.next();
      if (next.done) throw new Error(`release ${name} ended before answering ${JSON.stringify(command)}`);
      return JSON.parse(next.value) as Answer;
    });
    queue = asked.then(() => undefined, () => undefined);
    return asked;
  };
  return { ask, close: () => ask({ do: "close" }) };
}

const databaseFile = () => join(mkdtempSync(join(tmpdir(), "mcp-two-releases-")), "state.db");

test("an expand-only migration: the older and the newer release write and read one database at once", async (t) => {
  assert.equal(classifyMigrations(RELEASE_SCHEMAS.expands).at(-1)!.kind, "expand");
  const path = databaseFile();
  const older = startRelease(t, path, "current", "older");
  const newer = startRelease(t, path, "expands", "newer");
  // Both start together, as after a deploy: each migrates, and the newer one's migration is applied once.
  const [olderOpened, newerOpened] = await Promise.all([older.ask({ do: "open" }), newer.ask({ do: "open" })]);
  assert.equal(olderOpened.ok, true, olderOpened.error);
  assert.equal(newerOpened.version, NODE_MIGRATIONS.length + 1, newerOpened.error);

  const writes = (release: typeof older) => Promise.all(Array.from({ length: WRITES }, (_, n) => release.ask({ do: "write", n })));
  const written = (await Promise.all([writes(older), writes(newer)])).flat();
  assert.deepEqual(written.filter((answer) => !answer.ok), [], "every write of both releases succeeds");

  const olderReads = await older.ask({ do: "read", from: "newer", n: WRITES - 1 });
  const newerReads = await newer.ask({ do: "read", from: "older", n: WRITES - 1 });
  assert.equal(olderReads.ok && newerReads.ok, true, JSON.stringify({ olderReads, newerReads }));
  assert.deepEqual(olderReads.entry, { ...(olderReads.entry as object), key: `newer/${WRITES - 1}`, title: "written by newer", tags: ["newer"] });
  assert.deepEqual(newerReads.entry, { ...(newerReads.entry as object), key: `older/${WRITES - 1}`, title: "written by older", tags: ["older"] });
  assert.equal((olderReads.listed as string[]).length, WRITES, "the older release lists every entry of the newer one");
  assert.equal((newerReads.listed as string[]).length, WRITES, "the newer release lists every entry of the older one");
  assert.deepEqual([olderReads.found, newerReads.found], [[`newer/${WRITES - 1}`], [`older/${WRITES - 1}`]], "and finds them by full-text search");
  assert.equal(newerReads.source, "", "the older release's rows take the new column's default");
  for (const reads of [olderReads, newerReads]) {
    const notes = reads.notes as string[];
    assert.ok(notes.includes(`note ${WRITES - 1} of older`) && notes.includes(`note ${WRITES - 1} of newer`), notes.join(", "));
  }
  await Promise.all([older.close(), newer.close()]);
});

test("a contracting migration: once the newer release has migrated, the older one's writes fail", async (t) => {
  assert.equal(classifyMigrations(RELEASE_SCHEMAS.contracts).at(-1)!.kind, "contract");
  const path = databaseFile();
  const older = startRelease(t, path, "current", "older");
  const newer = startRelease(t, path, "contracts", "newer");
  assert.equal((await older.ask({ do: "open" })).ok, true);
  assert.equal((await older.ask({ do: "write", n: 0 })).ok, true);
  assert.equal((await newer.ask({ do: "open" })).version, NODE_MIGRATIONS.length + 1);
  const broken = await older.ask({ do: "write", n: 1 });
  assert.equal(broken.ok, false);
  assert.match(broken.error!, /tags/);
  await Promise.all([older.close(), newer.close()]);
});
