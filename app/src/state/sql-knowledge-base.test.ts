import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "./sqlite-database.ts";
import { SqlKnowledgeBase, toMatchExpression } from "./sql-knowledge-base.ts";

test("free text never becomes an FTS5 syntax error", () => {
  assert.equal(toMatchExpression('restore "drill" AND (NEAR'), '"restore"* OR "drill"* OR "AND"* OR "NEAR"*');
  assert.equal(toMatchExpression("  ?!  "), undefined);
});

test("a title match outranks a body match, and a replaced entry is re-indexed", async () => {
  const kb = new SqlKnowledgeBase(openDatabase(":memory:"));
  await kb.put({ key: "a", title: "Notes", body: "We once talked about backups here.", tags: [] });
  await kb.put({ key: "b", title: "Backups", body: "Litestream streams the WAL to S3.", tags: ["ops"] });
  assert.deepEqual((await kb.search("backups", 10)).map((hit) => hit.key), ["b", "a"]);
  await kb.put({ key: "a", title: "Notes", body: "Nothing relevant any more.", tags: [] });
  assert.deepEqual((await kb.search("backups", 10)).map((hit) => hit.key), ["b"]);
  assert.deepEqual((await kb.search("ops", 10)).map((hit) => hit.tags), [["ops"]]);
  assert.deepEqual((await kb.get("b"))?.tags, ["ops"]);
});

test("each hit has a relevance score from 0 to 1, best first, never the raw negative BM25", async () => {
  const kb = new SqlKnowledgeBase(openDatabase(":memory:"));
  await kb.put({ key: "a", title: "Notes", body: "We once talked about backups here.", tags: [] });
  await kb.put({ key: "b", title: "Backups", body: "Backups: Litestream streams the WAL to S3.", tags: ["backups"] });
  const hits = await kb.search("backups", 10);
  assert.deepEqual(hits.map((hit) => hit.key), ["b", "a"]);
  assert.equal(hits[0]!.score, 1);
  assert.ok(hits[1]!.score > 0 && hits[1]!.score < 1, `second hit scores ${hits[1]!.score}`);
  assert.ok(!("rank" in hits[0]!));
});

test("listing by key prefix is in key order, takes _ and % literally, and stops at the limit", async () => {
  const kb = new SqlKnowledgeBase(openDatabase(":memory:"));
  for (const key of ["runbooks/restore", "runbooks/failover", "run_books/x", "run%/y", "notes/a"]) await kb.put({ key, title: key, body: "b", tags: [] });
  assert.deepEqual((await kb.list("runbooks/", 10)).map((entry) => entry.key), ["runbooks/failover", "runbooks/restore"]);
  assert.deepEqual((await kb.list("run_", 10)).map((entry) => entry.key), ["run_books/x"]);
  assert.deepEqual((await kb.list("run%", 10)).map((entry) => entry.key), ["run%/y"]);
  assert.deepEqual((await kb.list("", 2)).map((entry) => entry.key), ["notes/a", "run%/y"]);
});
