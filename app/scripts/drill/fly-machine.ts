import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The Fly image's entry point, run here outside Docker. */
export const START_SCRIPT = fileURLToPath(new URL("../../fly/start.sh", import.meta.url));
/** The image's Litestream configuration. */
export const LITESTREAM_CONFIG = fileURLToPath(new URL("../../fly/litestream.yml", import.meta.url));

/** The Litestream binary the app package installs (the same one the image copies). */
export function litestreamBinary(): string {
  const manifest = createRequire(import.meta.url).resolve("@flydotio/litestream-linux-x64/package.json");
  return join(dirname(manifest), "litestream");
}

export interface FlyMachineOptions {
  /** The machine's volume. */
  dataDir: string;
  /** Extra environment: the replica URL, the region, credentials. */
  env?: Record<string, string>;
  /** @default 0 (a free port) */
  port?: number;
  /** How long the restore and the server's start may take. @default 30000 */
  startTimeoutMs?: number;
}

export interface FlyMachine {
  origin: string;
  mcpUrl: URL;
  child: ChildProcess;
  /** Everything the start script, Litestream and the server printed so far. */
  output(): string;
  /** The machine dies: SIGKILL to Litestream and the server at once, nothing flushes. */
  kill(): Promise<void>;
  /** SIGTERM to Litestream, which passes it on to the server and syncs once more. */
  stop(): Promise<void>;
  /** Settles when the start script's process (Litestream, after `exec`) exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `app/fly/start.sh` as the image would, in its own process group so a
 * kill takes Litestream and the server down together, as a lost machine does.
 * The server listens on loopback; Litestream and Node are the ones this
 * checkout runs.
 */
export async function startFlyMachine(options: FlyMachineOptions): Promise<FlyMachine> {
  const child = spawn("sh", [START_SCRIPT], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(options.port ?? 0),
      MCP_DATA_DIR: options.dataDir,
      MCP_START_COMPUTE: "0",
      LITESTREAM: litestreamBinary(),
      NODE: process.execPath,
      ...options.env,
    },
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup("SIGKILL");
      reject(new Error(`the machine did not serve within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      const match = /listening on (http:\/\/[^/\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`start.sh exited (${signal ?? `code ${code}`}) before serving:\n${output}`));
    });
  });
  return {
    origin,
    mcpUrl: new URL("/v1/mcp", origin),
    child,
    output: () => output,
    exited,
    async kill() {
      signalGroup("SIGKILL");
      await exited;
    },
    async stop() {
      signalGroup("SIGTERM");
      await exited;
    },
  };
}
