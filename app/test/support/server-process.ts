import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { spawnServing, type ServingProcess } from "../../scripts/serving-process.ts";

const MAIN = fileURLToPath(new URL("../../src/runtimes/node-main.ts", import.meta.url));

export interface ServerProcess extends ServingProcess {
  dataDir: string;
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
  const server = await spawnServing(process.execPath, [options.entry ?? MAIN], {
    timeoutMs: 15_000,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(options.port ?? 0),
      MCP_DATA_DIR: dataDir,
      ...options.env,
    },
  });
  return { ...server, dataDir };
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
