// `npm run dev` as a developer lives with it: every way of saving restarts what the edit belongs to (the Node
// server for app/src, the Python runner for app/modal), on the same port, losing nothing the server acknowledged;
// code that does not load is refused and the previous process goes on serving. It runs on a copy of the app.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { copyApp, type AppCopy } from "./support/app-copy.ts";
import { descendants, stillRunningAfter } from "./support/processes.ts";
import { until } from "./support/until.ts";
import { waysOfSaving } from "./support/ways-of-saving.ts";

describe("a running npm run dev", () => {
  let copy: AppCopy;
  let dev: ChildProcess;
  let output = "";
  let origin: string;
  let runnerUrl: string;
  let client: Client;
  const seen = () => output;
  const restarts = () => output.match(/\[dev\] restarted the server in \d+ ms: \S+/g) ?? [];

  /** The echo tool's description starts with the revision the copy's app/src/tools/revision.ts sets. */
  const servedRevision = async () => {
    const { tools } = await client.listTools();
    return /^revision (\S+):/.exec(tools.find((tool) => tool.name === "echo")?.description ?? "")?.[1];
  };
  /** The copy's endpoint.py answers /health with the revision its app/modal/revision.py sets. */
  const runnerRevision = async () => ((await (await fetch(`${runnerUrl}/health`)).json()) as { revision?: string }).revision;
  /** Waits until `read` gives `expected` (a restart in progress is a failed read); returns the time since `started`. */
  const servedAfter = async (read: () => Promise<string | undefined>, expected: string, started: number) => {
    await until(async () => (await read().catch(() => undefined)) === expected, 30_000, `serving revision ${expected}`, seen);
    return Math.round(performance.now() - started);
  };

  before(async () => {
    copy = copyApp();
    writeFileSync(copy.app("src/tools/revision.ts"), 'export let revision = "1";\n');
    copy.rewrite("src/tools/echo.ts", 'import { defineTool } from "./define.ts";', 'import { defineTool } from "./define.ts";\nimport { revision } from "./revision.ts";');
    copy.rewrite("src/tools/echo.ts", "description:", "description: `revision ${revision}: ` +");
    writeFileSync(copy.app("modal/revision.py"), 'REVISION = "1"\n');
    copy.rewrite("modal/endpoint.py", /^import telemetry$/m, "import telemetry\nimport revision");
    copy.rewrite("modal/endpoint.py", 'json_response(200, {"ok": True})', 'json_response(200, {"ok": True, "revision": revision.REVISION})');

    dev = spawn(process.execPath, [copy.app("scripts/dev.ts")], {
      cwd: copy.root,
      env: { ...process.env, HOST: "127.0.0.1", PORT: "0", MCP_DATA_DIR: join(copy.root, ".data"), MCP_START_COMPUTE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    dev.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    dev.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    await until(() => /\[dev\] watching /.test(output), 30_000, "npm run dev's watching line", seen);
    const ready = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1\/mcp .*compute (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    assert.ok(ready, output);
    [, origin, runnerUrl] = ready as unknown as [string, string, string];
    client = new Client({ name: "dev-restart", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/v1/mcp", origin)));
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    try {
      process.kill(-dev.pid!, "SIGKILL");
    } catch {
      // Already stopped, as the last test does.
    }
    copy?.remove();
  });

  test("every way of saving a file under app/src restarts the server on its port: the connected client goes on, with the note it added before", async (t) => {
    assert.equal(await servedRevision(), "1");
    await client.callTool({ name: "note_add", arguments: { text: "added before the restarts" } });
    const saves = waysOfSaving({
      path: copy.app("src/tools/revision.ts"),
      whole: (value) => `export let revision = "${value}";\n`,
      appended: (value) => `revision = "${value}";\n`,
      scratch: join(copy.root, "copied.ts"),
    });
    for (const { how, value, save } of saves) {
      const started = performance.now();
      const before = restarts().length;
      save();
      t.diagnostic(`${how}: served ${await servedAfter(servedRevision, value, started)} ms after the save`);
      assert.equal(restarts().length, before + 1, `one restart for "${how}"`);
    }
    assert.deepEqual(new Set(restarts().map((line) => line.split(": ")[1])), new Set([origin]), "every restart serves the same origin");
    const listed = await client.callTool({ name: "note_list", arguments: {} });
    assert.deepEqual((listed.structuredContent as { notes: { text: string }[] }).notes.map((note) => note.text), ["added before the restarts"]);
  });

  test("a syntax error under app/src refuses the restart with its file and line, the previous server goes on, and the fix restarts it", async () => {
    const from = output.length;
    writeFileSync(copy.app("src/tools/revision.ts"), "export let revision = ;\n");
    await until(() => /restart refused: /.test(output.slice(from)), 30_000, "the refused restart", seen);
    assert.match(output.slice(from), /\[dev\] restart refused: \S*revision\.ts:1 SyntaxError: .+; still serving the previous process/);
    assert.equal(await servedRevision(), "sed-2");
    writeFileSync(copy.app("src/tools/revision.ts"), 'export let revision = "fixed";\n');
    await servedAfter(servedRevision, "fixed", performance.now());
  });

  test("every way of saving a file under app/modal restarts the compute runner on its port, and only the runner", async (t) => {
    assert.equal(await runnerRevision(), "1");
    const serverRestarts = restarts().length;
    const saves = waysOfSaving({
      path: copy.app("modal/revision.py"),
      whole: (value) => `REVISION = "${value}"\n`,
      appended: (value) => `REVISION = "${value}"\n`,
      scratch: join(copy.root, "copied.py"),
    });
    for (const { how, value, save } of saves) {
      const started = performance.now();
      save();
      t.diagnostic(`${how}: the runner served it ${await servedAfter(runnerRevision, value, started)} ms after the save`);
    }
    assert.equal(restarts().length, serverRestarts, "the Node server was not restarted");
    const call = await client.callTool({ name: "csv_profile", arguments: { csv: "a,b\n1,2\n" } });
    assert.equal(call.isError, undefined, `the server reaches the restarted runner: ${JSON.stringify(call.content)}`);
  });

  test("a syntax error under app/modal refuses the runner's restart with its file and line, and the previous runner goes on", async () => {
    const from = output.length;
    writeFileSync(copy.app("modal/revision.py"), "REVISION = (\n");
    await until(() => /compute runner restart refused: /.test(output.slice(from)), 30_000, "the refused runner restart", seen);
    assert.match(output.slice(from), /compute runner restart refused: \S*revision\.py:1 SyntaxError: .+; still serving the previous runner/);
    assert.equal(await runnerRevision(), "sed-2");
    writeFileSync(copy.app("modal/revision.py"), 'REVISION = "fixed"\n');
    await servedAfter(runnerRevision, "fixed", performance.now());
  });

  test("stopped with SIGTERM, npm run dev leaves nothing running", async () => {
    const started = descendants(dev.pid!);
    assert.ok(started.length >= 2, `npm run dev's processes: ${started.join(", ")}`);
    dev.kill("SIGTERM");
    assert.deepEqual(await stillRunningAfter([dev.pid!, ...started], 15_000), [], "processes that outlived npm run dev");
  });
});
