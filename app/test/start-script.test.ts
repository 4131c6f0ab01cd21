// The Fly image's entry point (app/fly/start.sh), run outside Docker with the real Litestream.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { after, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { START_SCRIPT, startFlyMachine } from "../scripts/drill/fly-machine.ts";
import { waitForReplica } from "../scripts/drill/replica-probe.ts";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "mcp-start-script-"));
// Wide open, so a machine that drops to an unprivileged user can still reach its volume.
chmodSync(scratch, 0o755);
let dirs = 0;

/** A fresh volume and a file replica for one machine. */
function machineDirs() {
  const root = join(scratch, String(++dirs));
  const replicaDir = join(root, "replica");
  mkdirSync(replicaDir, { recursive: true, mode: 0o777 });
  chmodSync(root, 0o755);
  chmodSync(replicaDir, 0o777);
  const dataDir = join(root, "data");
  return { dataDir, env: { LITESTREAM_REPLICA_URL: pathToFileURL(join(replicaDir, "mcp.sqlite")).href } };
}

/** The server Litestream started with -exec: the one child of Litestream's threads. */
function serverPid(litestreamPid: number): number {
  const tasks = readdirSync(`/proc/${litestreamPid}/task`);
  const children = tasks.flatMap((task) => readFileSync(`/proc/${litestreamPid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean));
  assert.equal(children.length, 1, `expected Litestream to run exactly the server, found children ${children.join(", ")}`);
  return Number(children[0]);
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the Fly start script", () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("is valid POSIX sh", async () => {
    await run("sh", ["-n", START_SCRIPT]);
  });

  test("refuses to start without its region or bucket, naming the missing variable", async () => {
    const base = { PATH: process.env.PATH ?? "", MCP_DATA_DIR: join(scratch, "refused") };
    await assert.rejects(run("sh", [START_SCRIPT], { env: base }), (error: { code: number; stderr: string }) => error.code !== 0 && /FLY_REGION: is not set/.test(error.stderr));
    await assert.rejects(run("sh", [START_SCRIPT], { env: { ...base, FLY_REGION: "iad" } }), (error: { stderr: string }) => /LITESTREAM_BUCKET: is not set/.test(error.stderr));
  });

  test("when the server dies, Litestream ships its last writes and exits, ending the container", { timeout: 60_000 }, async () => {
    const { dataDir, env } = machineDirs();
    const machine = await startFlyMachine({ dataDir, env });
    // Litestream opens the database on its first poll (1 s); a server dead before then leaves it nothing to sync.
    await until(() => /wal segment written/.test(machine.output()), 10_000, "Litestream's first sync");
    const client = new Client({ name: "start-script-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(machine.mcpUrl));
    const put = await client.callTool({ name: "kb_put", arguments: { key: "crash/last", title: "Written just before the crash", body: "x" } });
    assert.equal(put.isError, undefined);
    await client.close().catch(() => undefined);

    process.kill(serverPid(machine.child.pid!), "SIGKILL");
    const exit = await machine.exited;
    assert.notEqual(exit.code, 0, "a server that died must not look like a clean exit");
    // No waiting: the final sync happened before Litestream exited.
    const probe = await waitForReplica({ dataDir, env, keys: ["crash/last"], timeoutMs: 0 });
    assert.equal(probe.first, 1, machine.output());
  });

  test("a second start on the same volume keeps its database instead of restoring over it", { timeout: 60_000 }, async () => {
    const { dataDir, env } = machineDirs();
    const first = await startFlyMachine({ dataDir, env });
    await first.stop();
    const second = await startFlyMachine({ dataDir, env });
    await second.stop();
    assert.match(second.output(), /database already exists, skipping/);
  });

  test("started as root, it hands the volume to MCP_RUN_AS and runs Litestream and the server as that user", { timeout: 60_000, skip: process.getuid?.() !== 0 && "needs root" }, async () => {
    const { dataDir, env } = machineDirs();
    const machine = await startFlyMachine({ dataDir, env: { ...env, MCP_RUN_AS: "nobody" } });
    try {
      const nobody = Number((await run("id", ["-u", "nobody"])).stdout.trim());
      assert.equal(statSync(join(dataDir, "mcp.sqlite")).uid, nobody);
      assert.equal(statSync(`/proc/${machine.child.pid}`).uid, nobody, "Litestream runs as nobody");
      assert.equal(statSync(`/proc/${serverPid(machine.child.pid!)}`).uid, nobody, "the server runs as nobody");
    } finally {
      await machine.stop();
    }
  });
});
