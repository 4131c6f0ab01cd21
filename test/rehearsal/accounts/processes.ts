/**
 * The processes the fake platforms run for what was deployed to them (a Fly
 * machine's image, a Modal app's web endpoint): started on the first request,
 * kept while what they run is current, stopped by the handle that started
 * them, never by a name.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface Served {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  child: ChildProcess;
  /** What the process printed, for a failure's message. */
  output: () => string;
}

/** A port that was free a moment ago, for a server that must be told its port. */
export { freePort } from "../../../app/test/support/free-port.ts";

/** Starts `command` and waits until `ready` says where it serves (from its output, or by polling). */
export async function startServing(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; ready: (output: string) => string | undefined | Promise<string | undefined>; timeoutMs?: number; what: string },
): Promise<Served> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.what} exited with code ${child.exitCode} before it served:\n${output.slice(-2000)}`);
    const origin = await options.ready(output);
    if (origin) return { origin, child, output: () => output };
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.what} did not serve within ${options.timeoutMs ?? 30_000} ms:\n${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function stopServing(served: Served): Promise<void> {
  const { child } = served;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Stops every process of a platform (each started or still starting). */
export async function stopAll(running: Map<string, Promise<Served>>): Promise<void> {
  for (const process of running.values()) await process.then(stopServing, () => {});
  running.clear();
}

/** Forwards a request to a local server, keeping the path, query, method, headers and body. */
export async function forward(request: Request, origin: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const url = new URL(request.url);
  const body = ["GET", "HEAD"].includes(request.method) ? undefined : Buffer.from(await request.arrayBuffer());
  const headers = { ...Object.fromEntries(request.headers), ...extraHeaders };
  return await fetch(new URL(url.pathname + url.search, origin), { method: request.method, headers, ...(body ? { body } : {}), redirect: "manual" });
}
