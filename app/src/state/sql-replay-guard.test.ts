import assert from "node:assert/strict";
import { test } from "node:test";
import { REPLAY_MEMORY_SECONDS } from "../upstream/signing.ts";
import { openDatabase } from "./sqlite-database.ts";
import { SqlReplayGuard } from "./sql-replay-guard.ts";

test("an exact replay within the window is refused; after the window the signature is forgotten", () => {
  const guard = new SqlReplayGuard(openDatabase(":memory:"));
  assert.equal(guard.admit("abc", 100), true);
  assert.equal(guard.admit("abc", 130), false);
  assert.equal(guard.admit("def", 130), true);
  assert.equal(guard.admit("abc", 100 + REPLAY_MEMORY_SECONDS), false);
  // By then its timestamp is stale, so the verifier refuses it first; the guard may let it go.
  assert.equal(guard.admit("abc", 101 + REPLAY_MEMORY_SECONDS), true);
});

test("a guard over the same database remembers what another one admitted (a restart)", () => {
  const db = openDatabase(":memory:");
  assert.equal(new SqlReplayGuard(db).admit("abc", 100), true);
  assert.equal(new SqlReplayGuard(db).admit("abc", 101), false);
});
