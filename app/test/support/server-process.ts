import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/runtimes/node-main.ts", import.meta.url));

export interface ServerProcess {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The v1 MCP endpoint. */
  mcpUrl: URL;
  dataDir: string;
  child: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (to restart on the same database). */
  dataDir?: string;
  /** A different entry point, e.g. the test-only server with fixture tools. */
  entry?: string;
  port?: number;
}

/** Starts the real server as a child process on a free loopback port. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "mcp-hosting-test-"));
  const child = spawn(process.execPath, [options.entry ?? MAIN], {
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(options.port ?? 0),
      MCP_DATA_DIR: dataDir,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 15 s:\n${output}`)), 15_000);
    const onData = () => {
      const match = /listening on (http:\/\/[^/\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    origin,
    mcpUrl: new URL("/v1/mcp", origin),
    dataDir,
    child,
    output: () => output,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts a server before a test file's tests and stops it after them; call the result for the server. */
export function serverForTests(options: StartOptions = {}): () => ServerProcess {
  let server: ServerProcess | undefined;
  before(async () => {
    server = await startServer(options);
  });
  after(async () => {
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });
  return () => {
    if (!server) throw new Error("the test server is not started yet");
    return server;
  };
}
