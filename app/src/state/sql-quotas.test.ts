import assert from "node:assert/strict";
import { test } from "node:test";
import { openDatabase } from "./sqlite-database.ts";
import { SqlQuotaLedger, type QuotaCounter } from "./sql-quotas.ts";

const DAY = 86_400_000;
const NOON = 20_000 * DAY + DAY / 2;
const KEY: QuotaCounter[] = [{ tool: "", perMinute: 10, perDay: 1000 }];

test("a burst of the per-minute limit is admitted, then one call each 60/limit seconds, with the exact wait", () => {
  const ledger = new SqlQuotaLedger(openDatabase(":memory:"));
  for (let call = 0; call < 10; call++) assert.equal(ledger.take("principal:alice", KEY, NOON).outcome, "admitted");
  assert.deepEqual(ledger.take("principal:alice", KEY, NOON), { outcome: "minute_limited", tool: "", limit: 10, retryAfterSeconds: 6 });
  assert.deepEqual(ledger.take("principal:alice", KEY, NOON + 4_500), { outcome: "minute_limited", tool: "", limit: 10, retryAfterSeconds: 2 });
  assert.equal(ledger.take("principal:alice", KEY, NOON + 6_000).outcome, "admitted");
  assert.equal(ledger.take("principal:alice", KEY, NOON + 6_000).outcome, "minute_limited");
  assert.equal(ledger.take("principal:bob", KEY, NOON).outcome, "admitted", "each key has its own counters");
});

test("a tool's own limit counts only its calls, and a refused call is counted nowhere", () => {
  const ledger = new SqlQuotaLedger(openDatabase(":memory:"));
  const cluster: QuotaCounter[] = [...KEY, { tool: "csv_cluster", perDay: 2 }];
  assert.equal(ledger.take("tenant:acme", cluster, NOON).outcome, "admitted");
  assert.equal(ledger.take("tenant:acme", cluster, NOON + 1).outcome, "admitted");
  assert.deepEqual(ledger.take("tenant:acme", cluster, NOON + 2), { outcome: "day_exhausted", tool: "csv_cluster", limit: 2, resetsAt: 20_001 * DAY });
  // Two calls of the key's ten per minute are spent: the refusal above took none of them.
  for (let call = 0; call < 8; call++) assert.equal(ledger.take("tenant:acme", KEY, NOON + 3).outcome, "admitted", `echo call ${call}`);
  assert.equal(ledger.take("tenant:acme", KEY, NOON + 3).outcome, "minute_limited");
});

test("the daily quota is reported before a minute's wait, and starts again at 00:00 UTC", () => {
  const ledger = new SqlQuotaLedger(openDatabase(":memory:"));
  const small: QuotaCounter[] = [{ tool: "", perMinute: 2, perDay: 2 }];
  ledger.take("principal:alice", small, NOON);
  ledger.take("principal:alice", small, NOON);
  assert.equal(ledger.take("principal:alice", small, NOON).outcome, "day_exhausted");
  assert.equal(ledger.take("principal:alice", small, 20_001 * DAY).outcome, "admitted");
});

test("counters are in the database: another ledger over it (a restart, another release's process) goes on counting", () => {
  const db = openDatabase(":memory:");
  const daily: QuotaCounter[] = [{ tool: "", perDay: 3 }];
  for (let call = 0; call < 3; call++) new SqlQuotaLedger(db).take("principal:alice", daily, NOON);
  assert.equal(new SqlQuotaLedger(db).take("principal:alice", daily, NOON).outcome, "day_exhausted");
});
