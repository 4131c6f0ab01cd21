// Tasks (io.modelcontextprotocol/tasks, SEP-2663) on the Node runtime: the conformance suite's tasks-* scenarios
// (2026-07-28, forced: an extension is no revision's), then a real client across connections and principals, a
// cancel that stops the work, and a crash with a task running.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CLIENT_CAPABILITIES_META_KEY, Client, PROTOCOL_VERSION_META_KEY, StreamableHTTPClientTransport, type JSONRPCMessage } from "@modelcontextprotocol/client";
import { z } from "zod";
import { runScenario } from "./support/conformance.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";
import { until } from "./support/until.ts";

const TASKS = "io.modelcontextprotocol/tasks";
const SCENARIOS = [
  "tasks-lifecycle",
  "tasks-capability-negotiation",
  "tasks-wire-fields",
  "tasks-request-state-removal",
  "tasks-mrtr-input",
  "tasks-request-headers",
  "tasks-dispatch-and-envelope",
  // A stub in the suite: one SKIPPED check, which is not a failure.
  "tasks-status-notifications",
  "tasks-required-task-error",
  "tasks-mrtr-composition",
];
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

  test("every check of every tasks scenario passes on 2026-07-28", async () => {
    const outcomes = await Promise.all(SCENARIOS.map((scenario) => runScenario(server.mcpUrl.href, "2026-07-28", scenario)));
    for (const outcome of outcomes) {
      assert.ok(outcome.checks > 0, `${outcome.scenario} ran no check`);
      assert.deepEqual([...outcome.failed, ...outcome.warned], [], `${outcome.scenario}:\n${server.output()}`);
    }
  });
});

const ALICE = "alice-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdef";

/** A 2026-07-28 client of `server` as the token's principal, declaring the tasks extension unless told not to. */
async function connect(server: ServerProcess, token: string | undefined, tasks = true): Promise<Client> {
  const capabilities = tasks ? { extensions: { [TASKS]: {} } } : {};
  const client = new Client({ name: "tasks-test", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities });
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}));
  return client;
}

/**
 * A task-augmented tools/call over the SDK's HTTP transport, which then closes (the client goes away). The SDK
 * Client (2.4) has no Tasks support: its callTool refuses a result of type "task", so the call is sent as one message.
 */
async function callAsTask(server: ServerProcess, token: string | undefined, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const transport = new StreamableHTTPClientTransport(server.mcpUrl, token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
  const reply = new Promise<JSONRPCMessage>((resolve) => (transport.onmessage = resolve));
  await transport.start();
  transport.setProtocolVersion("2026-07-28");
  const _meta = { [PROTOCOL_VERSION_META_KEY]: "2026-07-28", [CLIENT_CAPABILITIES_META_KEY]: { extensions: { [TASKS]: {} } } };
  await transport.send({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args, _meta } });
  const message = (await reply) as { result?: Record<string, unknown>; error?: unknown };
  await transport.close();
  assert.ok(message.result, `tools/call ${name} failed: ${JSON.stringify(message.error)}`);
  assert.equal(message.result.resultType, "task", JSON.stringify(message.result));
  return message.result;
}

const AnyResult = z.looseObject({});
const getTask = (client: Client, taskId: string) => client.request({ method: "tasks/get", params: { taskId } } as never, AnyResult) as Promise<Record<string, unknown>>;
const cancelTask = (client: Client, taskId: string) => client.request({ method: "tasks/cancel", params: { taskId } } as never, AnyResult);

async function rejection(work: Promise<unknown>): Promise<{ code?: number; message: string }> {
  return work.then(
    (value) => assert.fail(`expected an error, got ${JSON.stringify(value)}`),
    (error: { code?: number; message: string }) => error,
  );
}

/** Polls tasks/get until the task's status is one of `statuses`; returns the task. */
async function settled(server: ServerProcess, client: Client, taskId: string, statuses: readonly string[], timeoutMs: number): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  await until(async () => statuses.includes((task = await getTask(client, taskId)).status as string), timeoutMs, `task ${taskId} reaching ${statuses.join("/")}`, () => `${JSON.stringify(task)}\n${server.output()}`);
  return task;
}

describe("tasks with the SDK client, two principals, and cancellation", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ env: { ...FIXTURES, MCP_AUTH_TOKEN: `alice=${ALICE},bob=${BOB}` } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("the server advertises the extension in server/discover", async () => {
    const client = await connect(server, ALICE);
    assert.deepEqual(client.getServerCapabilities()?.extensions, { [TASKS]: {} });
    await client.close();
  });

  test("a task outlives its client: a new connection of the same principal reads the result, another principal finds nothing", async () => {
    const created = await callAsTask(server, ALICE, "slow_compute", { seconds: 1, label: "outlives" });
    assert.equal(created.status, "working");
    assert.equal(created.ttlMs, 3_600_000);
    const taskId = created.taskId as string;

    const alice = await connect(server, ALICE);
    const done = await settled(server, alice, taskId, ["completed", "failed", "cancelled"], 10_000);
    assert.equal(done.status, "completed");
    assert.deepEqual((done.result as { content: unknown }).content, [{ type: "text", text: "outlives: computed for 1 s" }]);
    await alice.close();

    const bob = await connect(server, BOB);
    for (const work of [getTask(bob, taskId), cancelTask(bob, taskId)]) {
      const error = await rejection(work);
      assert.equal(error.code, -32602);
      assert.match(error.message, /Task not found/);
    }
    await bob.close();

    // Without the extension declared, the methods are refused before any lookup.
    const plain = await connect(server, ALICE, false);
    assert.equal((await rejection(getTask(plain, taskId))).code, -32021);
    await plain.close();
  });

  test("tasks/cancel ends a running task and stops its work within seconds", async (t) => {
    const created = await callAsTask(server, ALICE, "slow_compute", { seconds: 60, label: "cancel-me" });
    const taskId = created.taskId as string;
    const alice = await connect(server, ALICE);
    await settled(server, alice, taskId, ["working"], 5_000);
    const started = Date.now();
    await cancelTask(alice, taskId);
    const task = await settled(server, alice, taskId, ["completed", "failed", "cancelled"], 5_000);
    assert.equal(task.status, "cancelled");
    // The fixture prints this line when its pause is aborted: the work itself stopped, not only the record.
    await until(() => /\[slow_compute\] "cancel-me" stopped after \d+ ms/.test(server.output()), 3_000, "slow_compute stopping", () => server.output());
    const stoppedMs = Date.now() - started;
    assert.ok(stoppedMs < 3_000, `the work stopped ${stoppedMs} ms after tasks/cancel`);
    t.diagnostic(`slow_compute's work stopped within ${stoppedMs} ms of tasks/cancel (including the polls that saw it)`);
    // Cancelling a terminal task is acknowledged and changes nothing.
    await cancelTask(alice, taskId);
    assert.equal((await getTask(alice, taskId)).status, "cancelled");
    await alice.close();
  });

  test("a task asks for input while it runs, and tasks/update answers it", async () => {
    const created = await callAsTask(server, ALICE, "confirm_delete", { filename: "notes.txt" });
    const taskId = created.taskId as string;
    const alice = await connect(server, ALICE);
    const waiting = await settled(server, alice, taskId, ["input_required"], 5_000);
    const [key] = Object.keys(waiting.inputRequests as object);
    await alice.request({ method: "tasks/update", params: { taskId, inputResponses: { [key!]: { action: "accept", content: { confirm: true } } } } } as never, AnyResult);
    const done = await settled(server, alice, taskId, ["completed", "failed", "cancelled"], 5_000);
    assert.deepEqual((done.result as { content: unknown }).content, [{ type: "text", text: "Deleted notes.txt" }]);
    await alice.close();
  });
});

describe("tasks across a crash of the server", () => {
  test("after SIGKILL and a restart on the same database, a finished task is still readable, a running one is run again to completion, and one that asked for input ends failed", async (t) => {
    const first = await startServer({ env: FIXTURES });
    let second: ServerProcess | undefined;
    try {
      const finished = (await callAsTask(first, undefined, "slow_compute", { seconds: 1, label: "before-crash" })).taskId as string;
      const running = (await callAsTask(first, undefined, "slow_compute", { seconds: 4, label: "resumed" })).taskId as string;
      const asking = (await callAsTask(first, undefined, "confirm_delete", { filename: "kept.txt" })).taskId as string;
      const client = await connect(first, undefined);
      await settled(first, client, finished, ["completed"], 10_000);
      await settled(first, client, asking, ["input_required"], 5_000);
      assert.equal((await getTask(client, running)).status, "working");
      await client.close();
      await first.kill();
      const killedAt = Date.now();

      second = await startServer({ dataDir: first.dataDir, env: FIXTURES });
      const again = await connect(second, undefined);
      const kept = await getTask(again, finished);
      assert.equal(kept.status, "completed");
      assert.deepEqual((kept.result as { content: unknown }).content, [{ type: "text", text: "before-crash: computed for 1 s" }]);
      // slow_compute writes nothing: once the dead process's lease (10 s) runs out, the new one claims it and runs it again.
      const resumed = await settled(second, again, running, ["completed", "failed", "cancelled"], 30_000);
      assert.equal(resumed.status, "completed", JSON.stringify(resumed));
      assert.deepEqual((resumed.result as { content: unknown }).content, [{ type: "text", text: "resumed: computed for 4 s" }]);
      assert.match(second.output(), new RegExp(`task ${running} \\(slow_compute\\) lost its process; running it again \\(attempt 2\\)`));
      t.diagnostic(`the task killed with its server completed ${Date.now() - killedAt} ms after the kill`);
      // Work that asked the client something is not the same work when run again: it ends failed, saying why.
      const lost = await settled(second, again, asking, ["completed", "failed", "cancelled"], 20_000);
      assert.equal(lost.status, "failed");
      assert.match(lost.statusMessage as string, /server restarted/);
      assert.equal((lost.error as { code: number }).code, -32603);
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
      const done = await settled(second, client, running, ["completed", "failed", "cancelled"], 15_000);
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
    server = await startServer({ env: { MCP_AUTH_TOKEN: `alice=${ALICE},bob=${BOB}` } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("a task-augmented call returns a task at once; its result is the clusters, for its principal only", async () => {
    const rows = ["x,y"];
    for (let i = 0; i < 30; i++) rows.push(`${i % 3},${i % 2}`, `${50 + (i % 3)},${50 + (i % 2)}`);
    const created = await callAsTask(server, ALICE, "csv_cluster", { csv: rows.join("\n"), k: 2 });
    const alice = await connect(server, ALICE);
    const done = await settled(server, alice, created.taskId as string, ["completed", "failed", "cancelled"], 20_000);
    assert.equal(done.status, "completed", JSON.stringify(done));
    const clusters = (done.result as { structuredContent: { clusters: { size: number }[]; device: string } }).structuredContent;
    assert.deepEqual(clusters.clusters.map((cluster) => cluster.size), [30, 30]);
    assert.equal(clusters.device, "cpu");
    await alice.close();
    const bob = await connect(server, BOB);
    assert.equal((await rejection(getTask(bob, created.taskId as string))).code, -32602);
    await bob.close();
  });
});
