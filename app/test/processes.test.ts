// Processes and ports of `npm start`: a port in use is one line, and no child outlives its parent, however it dies.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { processesMentioning, stillRunningAfter } from "./support/processes.ts";
import { startServer } from "./support/server-process.ts";

const MAIN = fileURLToPath(new URL("../src/runtimes/node-main.ts", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "mcp-processes-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The compute runner a server started: it is the process whose replay database sits in the server's data directory. */
function runnersOf(dataDir: string): number[] {
  return processesMentioning(`${dataDir}/compute-replays.sqlite`);
}

function occupiedPort(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => resolve({ port: (server.address() as { port: number }).port, server }));
  });
}

test("npm start on a port in use prints one line naming the port and PORT=, exits 1, and leaves no compute runner", async () => {
  const { port, server } = await occupiedPort();
  const dataDir = join(scratch, "port-in-use");
  try {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", MCP_DATA_DIR: dataDir }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.deepEqual(stderr.trim().split("\n"), [`port ${port} is in use (127.0.0.1:${port}): stop what serves it, or pick another port with PORT=, e.g. PORT=${port + 10} npm start`]);
    assert.deepEqual(await stillRunningAfter(runnersOf(dataDir), 3000), []);
  } finally {
    server.close();
  }
});

test("a SIGKILL of the Node server ends its compute runner", async () => {
  const server = await startServer({ dataDir: join(scratch, "sigkill") });
  const runners = runnersOf(server.dataDir);
  assert.equal(runners.length, 1, `one compute runner for ${server.dataDir}`);
  await server.kill();
  assert.deepEqual(await stillRunningAfter(runners, 5000), [], "the runner outlived its server");
});

test("the Node server stops when the process that started it dies, and takes its compute runner along", async () => {
  const dataDir = join(scratch, "orphan");
  // A parent that starts the server, says its pid, and is then killed without a chance to stop it.
  const parentScript = `
    const { spawn } = require("node:child_process");
    const child = spawn(process.execPath, [${JSON.stringify(MAIN)}], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, PORT: "0", MCP_DATA_DIR: ${JSON.stringify(dataDir)} } });
    child.stdout.on("data", (chunk) => { if (/listening on/.test(String(chunk))) console.log(child.pid); });`;
  const parent = spawn(process.execPath, ["-e", parentScript], { stdio: ["ignore", "pipe", "inherit"] });
  const serverPid = Number(await new Promise<string>((resolve) => parent.stdout.setEncoding("utf8").once("data", resolve)));
  const runners = runnersOf(dataDir);
  assert.equal(runners.length, 1);
  parent.kill("SIGKILL");
  assert.deepEqual(await stillRunningAfter([serverPid, ...runners], 8000), [], "the server or its runner outlived the parent");
});
