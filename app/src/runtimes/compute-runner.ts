import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tools } from "../tools/index.ts";
import { MODAL_SOURCES } from "../tools/python-handlers.ts";
import { writeToolSchemas } from "../tools/tool-schemas.ts";

const RUNNER = fileURLToPath(new URL("../../modal/local_server.py", import.meta.url));

export interface ComputeRunner {
  url: string;
  stop(): Promise<void>;
}

export interface ComputeRunnerOptions {
  /** SQLite file where the runner remembers admitted signatures, so a restart does not reopen replays. */
  replayDb?: string;
  python?: string;
  timeoutMs?: number;
  /** The port to listen on; `npm run dev` restarts a runner on the port it had, which the server was told. @default 0, a free port */
  port?: number;
}

/**
 * Starts the Python compute runner (`app/modal/local_server.py`) on a free
 * loopback port: locally it stands in for the Modal app, serving the same
 * signed endpoint. Its standard input is a pipe this process never writes:
 * when this process dies, however (SIGKILL included), the kernel closes it and
 * the runner's `--lifeline` ends it, so no runner outlives its server. The
 * Modal tools' input schemas are written beside it first (tool-schemas.ts):
 * the runner validates arguments against them, re-reading the file when it changes.
 */
export async function startComputeRunner(secret: string, { replayDb, python = "python3", timeoutMs = 10_000, port = 0 }: ComputeRunnerOptions = {}): Promise<ComputeRunner> {
  writeToolSchemas(tools, MODAL_SOURCES);
  const args = [RUNNER, "--host", "127.0.0.1", "--port", String(port), "--quiet", "--lifeline", ...(replayDb ? ["--replay-db", replayDb] : [])];
  const child = spawn(python, args, {
    env: { ...process.env, MCP_UPSTREAM_SECRET: secret },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`compute runner did not start within ${timeoutMs} ms`)), timeoutMs);
    let output = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${python}: ${error.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`compute runner exited with code ${code} before it was ready`));
    });
  });
  return { url, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
