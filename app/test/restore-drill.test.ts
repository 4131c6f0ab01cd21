// The restore drill end to end: start script, real Litestream, a file replica, MCP clients.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runRestoreDrill } from "../scripts/drill/restore-drill.ts";

test("a machine lost after Litestream shipped its writes comes back from the backup with every acknowledged entry", { timeout: 120_000 }, async () => {
  const report = await runRestoreDrill({ entries: 60, replicateTimeoutMs: 30_000 });
  assert.equal(report.written, 60);
  assert.equal(report.replicatedBeforeKill, 60, "Litestream must ship every acknowledged write before the kill");
  assert.deepEqual(report.lost, []);
  assert.equal(report.restored, 60);
});
