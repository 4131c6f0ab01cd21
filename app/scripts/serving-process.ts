import { spawn, type ChildProcess } from "node:child_process";

export interface ServingProcess {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The v1 MCP endpoint. */
  mcpUrl: URL;
  child: ChildProcess;
  /** Everything it printed so far, for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown code runs, as in a crash (to the whole group when detached). */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** Settles when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServingOptions {
  env: NodeJS.ProcessEnv;
  /** Its own process group, so signals reach everything it started. */
  detached?: boolean;
  timeoutMs: number;
  /** The line that says it serves, capturing the origin. @default "listening on <origin>" */
  ready?: RegExp;
}

/**
 * Starts a process that serves MCP and waits for the server's
 * "listening on <origin>" line; a process that exits or stays silent past
 * the timeout fails with everything it printed.
 */
export async function spawnServing(command: string, args: readonly string[], options: ServingOptions): Promise<ServingProcess> {
  const child = spawn(command, args, { env: options.env, detached: options.detached ?? false, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const send = (signal: NodeJS.Signals) => {
    try {
      if (options.detached) process.kill(-child.pid!, signal);
      else if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      send("SIGKILL");
      reject(new Error(`${command} did not serve within ${options.timeoutMs} ms:\n${output}`));
    }, options.timeoutMs);
    const onData = () => {
      const match = (options.ready ?? /listening on (http:\/\/[^/\s]+)/).exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${signal ?? `code ${code}`}) before serving:\n${output}`));
    });
  });
  return {
    origin,
    mcpUrl: new URL("/v1/mcp", origin),
    child,
    output: () => output,
    exited,
    async kill() {
      send("SIGKILL");
      await exited;
    },
    async stop() {
      send("SIGTERM");
      await exited;
    },
  };
}
