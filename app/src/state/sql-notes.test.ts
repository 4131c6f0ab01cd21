import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_NOTES_PER_KEY } from "./notes.ts";
import { SqlNoteStore } from "./sql-notes.ts";
import { openDatabase } from "./sqlite-database.ts";

test("a key's scratchpad lists its newest notes only, and its table rows stay bounded past the cap", async () => {
  const db = openDatabase(":memory:");
  const notes = new SqlNoteStore(db);
  const total = MAX_NOTES_PER_KEY + 300;
  for (let i = 1; i <= total; i++) await notes.add("session:a", `note ${i}`);
  await notes.add("session:b", "another conversation's note");
  const listed = await notes.list("session:a", MAX_NOTES_PER_KEY);
  assert.equal(listed.length, MAX_NOTES_PER_KEY);
  assert.equal(listed[0]!.text, `note ${total - MAX_NOTES_PER_KEY + 1}`);
  assert.equal(listed.at(-1)!.text, `note ${total}`);
  const stored = db.get<{ n: number }>("SELECT count(*) AS n FROM notes WHERE state_key = 'session:a'")!.n;
  assert.ok(stored >= MAX_NOTES_PER_KEY && stored < MAX_NOTES_PER_KEY + 64, `${stored} rows stored`);
  assert.deepEqual((await notes.list("session:b", 10)).map((note) => note.text), ["another conversation's note"]);
  db.close();
});

test("after a restart the first note trims a key that grew past the cap", async () => {
  const db = openDatabase(":memory:");
  for (let i = 0; i < MAX_NOTES_PER_KEY + 40; i++) db.run("INSERT INTO notes (state_key, text, created_at) VALUES ('k', 'old', '')");
  await new SqlNoteStore(db).add("k", "new");
  assert.equal(db.get<{ n: number }>("SELECT count(*) AS n FROM notes WHERE state_key = 'k'")!.n, MAX_NOTES_PER_KEY);
  db.close();
});
