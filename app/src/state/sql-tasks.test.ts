import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "./sqlite-database.ts";
import { LOST_WORK_MESSAGE, SqlTaskStore } from "./sql-tasks.ts";

const HOUR = 3_600_000;

test("a task is its principal's: another principal's id is not found, as an unknown or expired one is", () => {
  const tasks = new SqlTaskStore(openDatabase(":memory:"));
  tasks.create({ id: "t1", principal: "alice", tool: "slow_compute", ttlMs: HOUR, leaseUntil: 10_000 }, 1_000);
  assert.equal(tasks.get("alice", "t1", 2_000)?.status, "working");
  assert.equal(tasks.get("bob", "t1", 2_000), undefined);
  assert.equal(tasks.get("alice", "t2", 2_000), undefined);
  assert.ok(tasks.finish("t1", { status: "completed", result: { content: [] } }, 3_000));
  assert.equal(tasks.get("alice", "t1", 1_000 + HOUR), undefined);
  tasks.sweep(1_000 + HOUR);
  assert.equal(tasks.get("alice", "t1", 2_000), undefined, "swept once expired");
});

test("terminal states are sticky, and input requests show only while the task waits", () => {
  const tasks = new SqlTaskStore(openDatabase(":memory:"));
  tasks.create({ id: "t1", principal: "alice", tool: "confirm_delete", ttlMs: HOUR, leaseUntil: 10_000 }, 1_000);
  tasks.setInputRequests("t1", { confirm: { method: "elicitation/create" } }, 1_100);
  assert.deepEqual(tasks.get("alice", "t1", 1_200)?.inputRequests, { confirm: { method: "elicitation/create" } });
  assert.equal(tasks.get("alice", "t1", 1_200)?.status, "input_required");
  tasks.setInputRequests("t1", {}, 1_300);
  assert.equal(tasks.get("alice", "t1", 1_400)?.status, "working");
  assert.ok(tasks.finish("t1", { status: "cancelled" }, 1_500));
  assert.equal(tasks.finish("t1", { status: "completed", result: { content: [] } }, 1_600), false);
  tasks.setInputRequests("t1", { late: {} }, 1_700);
  const task = tasks.get("alice", "t1", 1_800)!;
  assert.deepEqual([task.status, task.result, task.inputRequests, task.updatedAt], ["cancelled", undefined, undefined, 1_500]);
});

test("an active task whose lease ran out lost its work: it reads as failed; a renewed one does not", () => {
  const tasks = new SqlTaskStore(openDatabase(":memory:"));
  tasks.create({ id: "lost", principal: "p", tool: "slow_compute", ttlMs: HOUR, leaseUntil: 5_000 }, 1_000);
  tasks.create({ id: "kept", principal: "p", tool: "slow_compute", ttlMs: HOUR, leaseUntil: 5_000 }, 1_000);
  assert.deepEqual(tasks.renew(["kept"], 20_000), []);
  const lost = tasks.get("p", "lost", 6_000)!;
  assert.deepEqual([lost.status, lost.statusMessage, lost.error?.code], ["failed", LOST_WORK_MESSAGE, -32603]);
  assert.equal(tasks.get("p", "kept", 6_000)?.status, "working");
  // Renewing a task that ended elsewhere (cancelled by another process) reports it, so its work is stopped.
  assert.deepEqual(tasks.renew(["lost", "kept"], 30_000), ["lost"]);
});
