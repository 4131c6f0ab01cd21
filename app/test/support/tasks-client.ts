// A client of the tasks extension (io.modelcontextprotocol/tasks, SEP-2663) for the tests of either runtime:
// tasks-node.test.ts (npm start) and tasks-edge.test.ts (dev:edge).
import assert from "node:assert/strict";
import { CLIENT_CAPABILITIES_META_KEY, Client, PROTOCOL_VERSION_META_KEY, StreamableHTTPClientTransport, type JSONRPCMessage } from "@modelcontextprotocol/client";
import { test } from "node:test";
import { z } from "zod";
import { runScenario } from "./conformance.ts";
import { until } from "./until.ts";

export const TASKS = "io.modelcontextprotocol/tasks";

/** The ten tasks-* scenarios of the conformance suite (2026-07-28, run with --force: an extension is no revision's). */
export const TASK_SCENARIOS = [
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

/** What serves the tasks: its MCP endpoint, and what it printed (for failure messages). */
export interface TaskServer {
  mcpUrl: URL;
  output(): string;
}

/** A 2026-07-28 client of `server` as the token's principal, declaring the tasks extension unless told not to. */
export async function connect(server: TaskServer, token: string | undefined, tasks = true): Promise<Client> {
  const capabilities = tasks ? { extensions: { [TASKS]: {} } } : {};
  const client = new Client({ name: "tasks-test", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities });
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl, token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {}));
  return client;
}

/**
 * A task-augmented tools/call over the SDK's HTTP transport, which then closes (the client goes away). The SDK
 * Client (2.4) has no Tasks support: its callTool refuses a result of type "task", so the call is sent as one message.
 */
export async function callAsTask(server: TaskServer, token: string | undefined, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
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
export const getTask = (client: Client, taskId: string) => client.request({ method: "tasks/get", params: { taskId } } as never, AnyResult) as Promise<Record<string, unknown>>;
export const cancelTask = (client: Client, taskId: string) => client.request({ method: "tasks/cancel", params: { taskId } } as never, AnyResult);
export const updateTask = (client: Client, taskId: string, inputResponses: Record<string, unknown>) =>
  client.request({ method: "tasks/update", params: { taskId, inputResponses } } as never, AnyResult);

export async function rejection(work: Promise<unknown>): Promise<{ code?: number; message: string }> {
  return work.then(
    (value) => assert.fail(`expected an error, got ${JSON.stringify(value)}`),
    (error: { code?: number; message: string }) => error,
  );
}

/** Polls tasks/get until the task's status is one of `statuses`; returns the task. */
export async function settled(server: TaskServer, client: Client, taskId: string, statuses: readonly string[], timeoutMs: number): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  const poll = async () => {
    try {
      return statuses.includes((task = await getTask(client, taskId)).status as string);
    } catch (error) {
      // A refused tasks/get says what the server logged around it.
      throw new Error(`tasks/get of ${taskId} failed after ${JSON.stringify(task)}: ${(error as Error).message}\n${server.output().split("\n").slice(-60).join("\n")}`);
    }
  };
  await until(poll, timeoutMs, `task ${taskId} reaching ${statuses.join("/")}`, () => `${JSON.stringify(task)}\n${server.output()}`);
  return task;
}

/** Every terminal status. */
export const ENDED = ["completed", "failed", "cancelled"] as const;

export const ALICE = "alice-token-0123456789abcdef";
export const BOB = "bob-token-0123456789abcdef";
/** MCP_AUTH_TOKEN for a server with two principals, alice and bob. */
export const PRINCIPAL_TOKENS = `alice=${ALICE},bob=${BOB}`;

/** The test that runs the ten tasks-* scenarios against `server` (served with the conformance fixtures). */
export function scenarioTest(server: () => TaskServer): void {
  test("every check of every tasks scenario passes on 2026-07-28", async () => {
    const outcomes = await Promise.all(TASK_SCENARIOS.map((scenario) => runScenario(server().mcpUrl.href, "2026-07-28", scenario)));
    for (const outcome of outcomes) {
      assert.ok(outcome.checks > 0, `${outcome.scenario} ran no check`);
      assert.deepEqual([...outcome.failed, ...outcome.warned], [], `${outcome.scenario}:\n${server().output()}`);
    }
  });
}

/**
 * The tests of a real client against `server` (the fixtures, and PRINCIPAL_TOKENS): the extension
 * advertised, a task that outlives its client and is another principal's "not found", a cancel that
 * stops the work, and input asked while a task runs.
 */
export function sharedClientTests(server: () => TaskServer): void {
  test("the server advertises the extension in server/discover", async () => {
    const client = await connect(server(), ALICE);
    assert.deepEqual(client.getServerCapabilities()?.extensions, { [TASKS]: {} });
    await client.close();
  });

  test("a task outlives its client: a new connection of the same principal reads the result, another principal finds nothing", async () => {
    const created = await callAsTask(server(), ALICE, "slow_compute", { seconds: 1, label: "outlives" });
    assert.equal(created.status, "working");
    assert.equal(created.ttlMs, 3_600_000);
    const taskId = created.taskId as string;

    const alice = await connect(server(), ALICE);
    const done = await settled(server(), alice, taskId, ENDED, 10_000);
    assert.equal(done.status, "completed");
    assert.deepEqual((done.result as { content: unknown }).content, [{ type: "text", text: "outlives: computed for 1 s" }]);
    await alice.close();

    const bob = await connect(server(), BOB);
    for (const work of [getTask(bob, taskId), cancelTask(bob, taskId)]) {
      const error = await rejection(work);
      assert.equal(error.code, -32602);
      assert.match(error.message, /Task not found/);
    }
    await bob.close();

    // Without the extension declared, the methods are refused before any lookup.
    const plain = await connect(server(), ALICE, false);
    assert.equal((await rejection(getTask(plain, taskId))).code, -32021);
    await plain.close();
  });

  test("tasks/cancel ends a running task and stops its work within seconds", async (t) => {
    const created = await callAsTask(server(), ALICE, "slow_compute", { seconds: 60, label: "cancel-me" });
    const taskId = created.taskId as string;
    const alice = await connect(server(), ALICE);
    await settled(server(), alice, taskId, ["working"], 5_000);
    const started = Date.now();
    await cancelTask(alice, taskId);
    const task = await settled(server(), alice, taskId, ENDED, 5_000);
    assert.equal(task.status, "cancelled");
    // The fixture prints this line when its pause is aborted: the work itself stopped, not only the record.
    await until(() => /\[slow_compute\] "cancel-me" stopped after \d+ ms/.test(server().output()), 3_000, "slow_compute stopping", () => server().output());
    const stoppedMs = Date.now() - started;
    assert.ok(stoppedMs < 3_000, `the work stopped ${stoppedMs} ms after tasks/cancel`);
    t.diagnostic(`slow_compute's work stopped within ${stoppedMs} ms of tasks/cancel (including the polls that saw it)`);
    // Cancelling a terminal task is acknowledged and changes nothing.
    await cancelTask(alice, taskId);
    assert.equal((await getTask(alice, taskId)).status, "cancelled");
    await alice.close();
  });

  test("a task asks for input while it runs, and tasks/update answers it", async () => {
    const created = await callAsTask(server(), ALICE, "confirm_delete", { filename: "notes.txt" });
    const taskId = created.taskId as string;
    const alice = await connect(server(), ALICE);
    const waiting = await settled(server(), alice, taskId, ["input_required"], 5_000);
    const [key] = Object.keys(waiting.inputRequests as object);
    await updateTask(alice, taskId, { [key!]: { action: "accept", content: { confirm: true } } });
    const done = await settled(server(), alice, taskId, ENDED, 5_000);
    assert.deepEqual((done.result as { content: unknown }).content, [{ type: "text", text: "Deleted notes.txt" }]);
    await alice.close();
  });
}

/** The tasks a kill interrupts (see {@link tasksToKill}). */
export interface KilledTasks {
  finished: string;
  running: string;
  asking: string;
}

/**
 * Before a kill: a slow_compute task that has finished, one still running (4 s), and a confirm_delete task
 * waiting for the client's answer. The running one writes nothing and asks nothing, so a restarted server runs
 * it again; the asking one cannot be run again ({@link assertKillSurvived}).
 */
export async function tasksToKill(server: TaskServer): Promise<KilledTasks> {
  const finished = (await callAsTask(server, undefined, "slow_compute", { seconds: 1, label: "before-crash" })).taskId as string;
  const running = (await callAsTask(server, undefined, "slow_compute", { seconds: 4, label: "resumed" })).taskId as string;
  const asking = (await callAsTask(server, undefined, "confirm_delete", { filename: "kept.txt" })).taskId as string;
  const client = await connect(server, undefined);
  await settled(server, client, finished, ["completed"], 10_000);
  await settled(server, client, asking, ["input_required"], 5_000);
  assert.equal((await getTask(client, running)).status, "working");
  await client.close();
  return { finished, running, asking };
}

/**
 * After the kill and a restart on the same state: the finished task is still readable, the running one was run
 * again to completion, and the one that asked for input ends failed, saying why. Returns when the running one completed.
 */
export async function assertKillSurvived(server: TaskServer, client: Client, tasks: KilledTasks, timeoutMs: number): Promise<number> {
  const kept = await getTask(client, tasks.finished);
  assert.equal(kept.status, "completed");
  assert.deepEqual((kept.result as { content: unknown }).content, [{ type: "text", text: "before-crash: computed for 1 s" }]);
  // slow_compute writes nothing: once the lost work's lease (10 s) runs out, the restarted server claims it and runs it again.
  const resumed = await settled(server, client, tasks.running, ENDED, timeoutMs);
  assert.equal(resumed.status, "completed", JSON.stringify(resumed));
  assert.deepEqual((resumed.result as { content: unknown }).content, [{ type: "text", text: "resumed: computed for 4 s" }]);
  assert.match(server.output(), new RegExp(`task ${tasks.running} \\(slow_compute\\) lost its process; running it again \\(attempt 2\\)`));
  const completedAt = Date.now();
  // Work that asked the client something is not the same work when run again: it ends failed, saying why.
  const lost = await settled(server, client, tasks.asking, ENDED, 20_000);
  assert.equal(lost.status, "failed");
  assert.match(lost.statusMessage as string, /server restarted/);
  assert.equal((lost.error as { code: number }).code, -32603);
  return completedAt;
}

/**
 * csv_cluster (a Modal-placed tool with a Function of its own) as a task: the call returns a task at once, the
 * k-means runs in the Python compute runner behind it, and the clusters are the result, for its principal only.
 * Also called plainly by a client that did not declare the extension: the same tool answers at once.
 */
export function csvClusterTaskTest(server: () => TaskServer): void {
  test("csv_cluster: a plain call answers the clusters; a task-augmented one returns a task whose result they are, for its principal only", async () => {
    const rows = ["x,y"];
    for (let i = 0; i < 30; i++) rows.push(`${i % 3},${i % 2}`, `${50 + (i % 3)},${50 + (i % 2)}`);
    const args = { csv: rows.join("\n"), k: 2 };
    const sizes = (result: { structuredContent?: unknown }) => (result.structuredContent as { clusters: { size: number }[] }).clusters.map((cluster) => cluster.size);

    const plain = await connect(server(), ALICE, false);
    const answered = await plain.callTool({ name: "csv_cluster", arguments: args });
    assert.equal(answered.isError, undefined, JSON.stringify(answered.content));
    assert.deepEqual(sizes(answered), [30, 30]);
    await plain.close();

    const created = await callAsTask(server(), ALICE, "csv_cluster", args);
    const alice = await connect(server(), ALICE);
    const done = await settled(server(), alice, created.taskId as string, ENDED, 30_000);
    assert.equal(done.status, "completed", JSON.stringify(done));
    const result = done.result as { structuredContent: { device: string } };
    assert.deepEqual(sizes(result), [30, 30]);
    assert.equal(result.structuredContent.device, "cpu", "no CUDA here: the same code runs on the CPU");
    await alice.close();
    const bob = await connect(server(), BOB);
    assert.equal((await rejection(getTask(bob, created.taskId as string))).code, -32602);
    await bob.close();
  });
}
