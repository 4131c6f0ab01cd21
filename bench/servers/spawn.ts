/** Starts a server as its own process (so it never shares an event loop with the load it serves). */
import { spawn, type ChildProcess } from "node:child_process";

export interface Spawned {
  origin: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the `listening on` line. */
  listeningMs: number;
  stop(): Promise<void>;
}

export async function spawnServer(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Spawned> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^/\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
  const listeningMs = Number(process.hrtime.bigint() - started) / 1e6;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    origin,
    child,
    listeningMs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
