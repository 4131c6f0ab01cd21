// Tasks (io.modelcontextprotocol/tasks, SEP-2663) on the Worker runtime, under workerd (`npm run dev:edge`): the
// conformance suite's tasks-* scenarios, a real client across connections and principals, a cancel that stops the
// work, and a SIGKILL of the whole dev:edge with a task running. The tasks live in each principal's Durable Object
// (runtimes/worker/principal-state.ts), with the same tests as tasks-node.test.ts where the behaviour is the same.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ServingProcess } from "../scripts/serving-process.ts";
import { startDevEdge } from "./support/dev-edge.ts";
import { assertKillSurvived, connect, csvClusterTaskTest, PRINCIPAL_TOKENS, scenarioTest, sharedClientTests, tasksToKill } from "./support/tasks-client.ts";

const FIXTURES = { MCP_FIXTURES: "conformance" };

/** A dev:edge with the fixtures for a describe's tests, in a folder of its own removed after them. */
function devEdge(env: NodeJS.ProcessEnv = {}): () => ServingProcess {
  let edge: ServingProcess;
  const dataDir = mkdtempSync(join(tmpdir(), "tasks-edge-"));
  before(async () => {
    edge = await startDevEdge(dataDir, { ...FIXTURES, ...env });
  });
  after(async () => {
    await edge?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return () => edge;
}

describe("the tasks-* conformance scenarios against dev:edge with the fixtures", () => {
  scenarioTest(devEdge());
});

describe("tasks on the Worker with the SDK client, two principals, and cancellation", () => {
  const edge = devEdge({ MCP_AUTH_TOKEN: PRINCIPAL_TOKENS });
  sharedClientTests(edge);
  // Through the edge to the Python runner (Modal's stand-in), from the principal's Durable Object.
  csvClusterTaskTest(edge);
});

describe("tasks on the Worker across a kill of workerd", () => {
  test("after SIGKILL of dev:edge and a start on the same state, a finished task is still readable, a running one is run again to completion, and one that asked for input ends failed", async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), "tasks-edge-crash-"));
    const first = await startDevEdge(dataDir, FIXTURES);
    let second: ServingProcess | undefined;
    try {
      const killed = await tasksToKill(first);
      await first.kill();
      const killedAt = Date.now();

      second = await startDevEdge(dataDir, FIXTURES);
      const again = await connect(second, undefined);
      // The object's alarm wakes it after the restart, and it runs the lost work again.
      const completedAt = await assertKillSurvived(second, again, killed, 40_000);
      t.diagnostic(`the task killed with workerd completed ${completedAt - killedAt} ms after the kill`);
      await again.close();
    } finally {
      await second?.stop();
      await first.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
