// Tasks (io.modelcontextprotocol/tasks, SEP-2663) on the Node runtime: the conformance suite's tasks-* scenarios
// (2026-07-28, forced: an extension is no revision's), then a real client across connections and principals, a
// cancel that stops the work, and a crash with a task running.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";
import { assertKillSurvived, callAsTask, connect, csvClusterTaskTest, ENDED, PRINCIPAL_TOKENS, scenarioTest, settled, sharedClientTests, tasksToKill } from "./support/tasks-client.ts";

const FIXTURES = { MCP_FIXTURES: "conformance", MCP_START_COMPUTE: "0" };

describe("the tasks-* conformance scenarios against npm start with the fixtures", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ env: FIXTURES });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  scenarioTest(() => server);
});


describe("tasks with the SDK client, two principals, and cancellation", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ env: { ...FIXTURES, MCP_AUTH_TOKEN: PRINCIPAL_TOKENS } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  sharedClientTests(() => server);
});

describe("tasks across a crash of the server", () => {
  test("after SIGKILL and a restart on the same database, a finished task is still readable, a running one is run again to completion, and one that asked for input ends failed", async (t) => {
    const first = await startServer({ env: FIXTURES });
    let second: ServerProcess | undefined;
    try {
      const killed = await tasksToKill(first);
      await first.kill();
      const killedAt = Date.now();

      second = await startServer({ dataDir: first.dataDir, env: FIXTURES });
      const again = await connect(second, undefined);
      const completedAt = await assertKillSurvived(second, again, killed, 30_000);
      t.diagnostic(`the task killed with its server completed ${completedAt - killedAt} ms after the kill`);
      await again.close();
    } finally {
      await second?.stop();
      removeDataDir(first.dataDir);
    }
  });

  test("a graceful stop hands a running task to the next process, which completes it", async () => {
    const first = await startServer({ env: FIXTURES });
    let second: ServerProcess | undefined;
    try {
      const running = (await callAsTask(first, undefined, "slow_compute", { seconds: 2, label: "handed-over" })).taskId as string;
      await first.stop();
      second = await startServer({ dataDir: first.dataDir, env: FIXTURES });
      const client = await connect(second, undefined);
      const done = await settled(second, client, running, ENDED, 15_000);
      assert.equal(done.status, "completed", JSON.stringify(done));
      await client.close();
    } finally {
      await second?.stop();
      removeDataDir(first.dataDir);
    }
  });
});

describe("csv_cluster as a task: the Python runner's k-means behind a task record", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ env: { MCP_AUTH_TOKEN: PRINCIPAL_TOKENS } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  csvClusterTaskTest(() => server);
});
