import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "./sqlite-database.ts";
import { LOST_WORK_MESSAGE, MAX_TASK_ATTEMPTS, SqlTaskStore, UNCLAIMED_GRACE_MS } from "./sql-tasks.ts";

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

test("a resumable task whose lease ran out is claimed once, by a process serving its tool, at most MAX_TASK_ATTEMPTS runs in all", () => {
  const tasks = new SqlTaskStore(openDatabase(":memory:"));
  const call = { args: { seconds: 4 }, stateKey: "principal:p" };
  tasks.create({ id: "r", principal: "p", tool: "slow_compute", ttlMs: HOUR, leaseUntil: 5_000, call }, 1_000);
  const serves = new Set(["slow_compute"]);
  assert.deepEqual(tasks.claimOrphans(serves, 20_000, 4_000), [], "its lease still holds");
  assert.deepEqual(tasks.claimOrphans(new Set(["echo"]), 20_000, 6_000), [], "a process without the tool leaves it");
  // While it waits for a claim it still reads as working, not failed.
  assert.equal(tasks.get("p", "r", 6_000)?.status, "working");
  const [claimed] = tasks.claimOrphans(serves, 20_000, 6_000);
  assert.deepEqual(claimed, { id: "r", principal: "p", tool: "slow_compute", call, attempts: 2 });
  assert.deepEqual(tasks.claimOrphans(serves, 30_000, 7_000), [], "the claim is a lease: a second process gets nothing");
  for (let attempt = 3; attempt <= MAX_TASK_ATTEMPTS; attempt++) assert.equal(tasks.claimOrphans(serves, 40_000 + attempt, 39_000 + attempt)[0]?.attempts, attempt);
  assert.deepEqual(tasks.claimOrphans(serves, 90_000, 80_000), [], "a task that keeps losing its process is not run again");
  assert.equal(tasks.get("p", "r", 80_000)?.status, "failed");
});

test("a task that asked for input, or is not claimed in time, is not run again: it reads as failed", () => {
  const tasks = new SqlTaskStore(openDatabase(":memory:"));
  const call = { args: {}, stateKey: "principal:p" };
  tasks.create({ id: "asked", principal: "p", tool: "slow_compute", ttlMs: HOUR, leaseUntil: 5_000, call }, 1_000);
  tasks.forgetCall("asked");
  assert.equal(tasks.get("p", "asked", 6_000)?.status, "failed");
  tasks.create({ id: "orphan", principal: "p", tool: "gone_tool", ttlMs: HOUR, leaseUntil: 5_000, call }, 1_000);
  assert.equal(tasks.get("p", "orphan", 5_000 + UNCLAIMED_GRACE_MS - 1)?.status, "working");
  assert.equal(tasks.get("p", "orphan", 5_000 + UNCLAIMED_GRACE_MS + 1)?.status, "failed");
});

test("a graceful stop releases a resumable task for the next process at once, and only such a task", () => {
  const tasks = new SqlTaskStore(openDatabase(":memory:"));
  tasks.create({ id: "r", principal: "p", tool: "slow_compute", ttlMs: HOUR, leaseUntil: 50_000, call: { args: {}, stateKey: "principal:p" } }, 1_000);
  tasks.create({ id: "w", principal: "p", tool: "kb_put", ttlMs: HOUR, leaseUntil: 50_000 }, 1_000);
  assert.equal(tasks.release("r", 2_000), true);
  assert.equal(tasks.release("w", 2_000), false);
  assert.equal(tasks.claimOrphans(new Set(["slow_compute"]), 20_000, 2_000)[0]?.id, "r");
});
