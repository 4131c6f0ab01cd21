// `npm run dev:edge` as a developer lives with it: a port in use, source edits (good and bad), and a dev:edge killed hard.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { EDGE_BUNDLE } from "../scripts/build-edge.ts";
import { ownEdgeBundle } from "./support/edge-worker.ts";
import { freePort } from "./support/free-port.ts";
import { descendants, stillRunningAfter } from "./support/processes.ts";
import { until } from "./support/until.ts";
import { waysOfSaving } from "./support/ways-of-saving.ts";

const DEV_EDGE = fileURLToPath(new URL("../scripts/dev-edge.ts", import.meta.url));
const WORKER = fileURLToPath(new URL("../src/runtimes/worker/index.ts", import.meta.url));

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/**
 * A Worker module of the test's own: the shipped Worker, with a header carrying the `version` that
 * ./version.ts exports last, so a rebuild after an edit of that file can be seen from outside.
 */
function entryModule(extra = ""): string {
  return `import worker from ${JSON.stringify(WORKER)};
import { version } from "./version.ts";
export { McpSession, PrincipalState } from ${JSON.stringify(WORKER)};
${extra}
export default {
  async fetch(request, env, ctx) {
    const answer = await worker.fetch(request, env, ctx);
    const headers = new Headers(answer.headers);
    headers.set("x-entry-version", version);
    return new Response(answer.body, { status: answer.status, headers });
  },
};
`;
}

const scratch = mkdtempSync(join(tmpdir(), "mcp-dev-edge-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function runDevEdge(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [DEV_EDGE, ...args], {
    env: { ...process.env, MCP_DATA_DIR: join(scratch, "data"), PORT: "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  return { child, output: () => output, exited: new Promise((resolve) => child.once("exit", resolve)) };
}

test("dev:edge on a port in use says which port and that PORT= picks another, and starts nothing", async () => {
  const taken = await listen();
  try {
    const port = (taken.address() as { port: number }).port;
    const run = runDevEdge(["--port", String(port), "--node-port", String(await freePort())]);
    assert.equal(await run.exited, 1);
    assert.deepEqual(run.output().trim().split("\n"), [`dev:edge: port ${port} is in use by another process: stop it, or pick another port with PORT=, e.g. PORT=${port + 10} npm run dev:edge`]);
  } finally {
    taken.close();
  }
});

test("the tests build the Worker into a folder of their own, never over the dist/edge/worker.js a dev:edge may serve", async () => {
  const before = existsSync(EDGE_BUNDLE) ? statSync(EDGE_BUNDLE).mtimeMs : undefined;
  const own = await ownEdgeBundle();
  assert.notEqual(own, EDGE_BUNDLE);
  assert.ok(statSync(own).size > 100_000, "a whole bundle");
  assert.equal(existsSync(EDGE_BUNDLE) ? statSync(EDGE_BUNDLE).mtimeMs : undefined, before);
});

describe("a running dev:edge", () => {
  // The Worker's sources of this test live in a folder of their own, which dev:edge watches beside app/src.
  const sources = join(scratch, "edge-src");
  const entry = join(sources, "entry.ts");
  const versionFile = join(sources, "version.ts");
  let run: ReturnType<typeof runDevEdge>;
  let origin: string;
  const version = async () => (await fetch(`${origin}/healthz`)).headers.get("x-entry-version");
  /** Waits until the Worker serves `expected`; returns how long that took after the edit. */
  const served = async (expected: string, since: number): Promise<number> => {
    await until(async () => (await version().catch(() => null)) === expected, 30_000, `the Worker serving version ${expected}`, run.output);
    return performance.now() - since;
  };

  before(async () => {
    mkdirSync(sources, { recursive: true });
    writeFileSync(versionFile, 'export let version = "1";\n');
    writeFileSync(entry, entryModule());
    const [port, nodePort] = [await freePort(), await freePort()];
    origin = `http://127.0.0.1:${port}`;
    run = runDevEdge(["--port", String(port), "--node-port", String(nodePort), "--state", join(scratch, "edge-state"), "--entry", entry]);
    await until(() => /edge listening on/.test(run.output()), 60_000, "dev:edge's ready line", run.output);
  });
  after(async () => {
    try {
      process.kill(-run.child.pid!, "SIGKILL");
    } catch {
      // Already gone, as the last test wants.
    }
  });

  test("it reports ready only once its own Worker answers: /healthz carries the run's id", async () => {
    const health = (await (await fetch(`${origin}/healthz`)).json()) as { devRun?: string };
    assert.match(health.devRun ?? "", /^[0-9a-f]{16}$/);
    assert.equal(await version(), "1");
  });

  test("every way of saving is rebuilt and served: in place, appended to, renamed over, cp over, and sed -i twice", async (t) => {
    const saves = waysOfSaving({
      path: versionFile,
      whole: (value) => `export let version = "${value}";\n`,
      appended: (value) => `version = "${value}";\n`,
      scratch: join(scratch, "copied.ts"),
    });
    for (const { how, value, save } of saves) {
      const started = performance.now();
      save();
      t.diagnostic(`${how}: served ${Math.round(await served(value, started))} ms after the save`);
    }
    assert.match(run.output(), /rebuilt the Worker; wrangler reloads it/);
  });

  test("a syntax error is reported with its file and line, the previous build goes on serving, and the fix is picked up", async () => {
    const seen = run.output().length;
    writeFileSync(versionFile, "export let version = ;\n");
    await until(() => /rebuild failed: /.test(run.output().slice(seen)), 30_000, "the failed build report", run.output);
    assert.match(run.output().slice(seen), /rebuild failed: \S*version\.ts:1:\d+ .+; still serving the previous build/);
    assert.equal(await version(), "sed-2");
    writeFileSync(versionFile, 'export let version = "fixed";\n');
    await served("fixed", performance.now());
    assert.equal(run.child.exitCode, null, "dev:edge is still running");
  });

  test("a rebuilt Worker that does not start is reported, and the previous build goes on serving until the fix", async () => {
    const seen = run.output().length;
    writeFileSync(entry, entryModule('throw new Error("broken on purpose");'));
    await until(() => /the rebuilt Worker does not start; still serving the previous build/.test(run.output().slice(seen)), 30_000, "the failed start report", run.output);
    assert.match(run.output().slice(seen), /broken on purpose/);
    assert.equal(await version(), "fixed");
    writeFileSync(entry, entryModule());
    writeFileSync(versionFile, 'export let version = "started";\n');
    await served("started", performance.now());
  });

  test("its telemetry stays on the machine: a data point per call at the edge, every span, and the Node service's /metrics", async () => {
    const telemetry = /^telemetry: (http:\/\/127\.0\.0\.1:\d+) /m.exec(run.output())?.[1];
    assert.ok(telemetry, run.output());
    const client = new Client({ name: "dev-edge-telemetry", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL("/v1/mcp", origin)));
    await client.callTool({ name: "kb_search", arguments: { query: "anything" }, _meta: { traceparent: "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" } });
    await client.close();
    const calls = async () => {
      const sql = "SELECT blob4 AS tool, SUM(_sample_interval) AS calls FROM mcp_calls GROUP BY tool FORMAT JSON";
      const answer = (await (await fetch(`${telemetry}/client/v4/accounts/local/analytics_engine/sql`, { method: "POST", body: sql })).json()) as { data: { tool: string; calls: string }[] };
      return answer.data.find((row) => row.tool === "kb_search")?.calls;
    };
    await until(async () => (await calls()) === "1", 10_000, "the Worker's data point in the local store", run.output);
    const trace = async () => (await fetch(`${telemetry}/traces/5bf92f3577b34da6a3ce929d0e0e4736`)).text();
    await until(async () => /tools\/call kb_search \[server\] mcp-hosting-fly/.test(await trace()), 10_000, "the Node service's span in the Worker's trace", run.output);
    assert.match(await trace(), /tools\/call kb_search \[server\] mcp-hosting-edge/);
    // Scraped every 5 s, as Fly scrapes every 15 s.
    const query = 'sum by (gen_ai_tool_name) (increase(mcp_server_operation_duration_seconds_count{app="local"}[600s]))';
    const scraped = async () => JSON.stringify(await (await fetch(`${telemetry}/prometheus/local/api/v1/query?${new URLSearchParams({ query })}`)).json());
    await until(async () => /"gen_ai_tool_name":"kb_search"\},"value":\[[\d.]+,"1"\]/.test(await scraped()), 15_000, "the Node service's /metrics scraped", run.output);
  });

  test("killed with SIGKILL, dev:edge leaves nothing running: Node service, compute runner, wrangler, workerd", async () => {
    const started = descendants(run.child.pid!);
    assert.ok(started.length >= 5, `dev:edge's processes: ${started.join(", ")}`);
    run.child.kill("SIGKILL");
    assert.deepEqual(await stillRunningAfter(started, 10_000), [], "processes that outlived dev:edge");
  });
});
