import { spawn, type ChildProcess } from "node:child_process";

/** The line node-main.ts prints once it accepts connections. */
const READY = /listening on (http:\/\/[^/\s]+)/;

/**
 * The Node server (`node-main.ts`) as a child of `npm run dev`, started again
 * on the port it first had: a client reconnects to the same URL. Its output
 * is passed on as it comes. Stopping is the server's own graceful shutdown
 * (SIGTERM): requests in flight finish and the SQLite database is closed, so
 * nothing it acknowledged is lost.
 */
export class ServerChild {
  readonly #main: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #onUnexpectedExit: (how: string) => void;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #stopping = false;
  /** The port asked for: PORT at first (0 picks one), then the one the first start got. */
  #port: string;
  origin: string | undefined;

  constructor(main: string, env: NodeJS.ProcessEnv, onUnexpectedExit: (how: string) => void) {
    this.#main = main;
    this.#env = env;
    this.#port = env.PORT ?? "8787";
    this.#onUnexpectedExit = onUnexpectedExit;
  }

  /** Starts it; resolves with its origin once it serves, or rejects with how it exited before that. */
  start(): Promise<string> {
    const child = spawn(process.execPath, [this.#main], { env: { ...this.#env, PORT: this.#port }, stdio: ["ignore", "pipe", "inherit"] });
    this.#child = child;
    this.#stopping = false;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    return new Promise((resolve, reject) => {
      // Only the output before the ready line is kept, to find it.
      let output: string | undefined = "";
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        process.stdout.write(chunk);
        if (output === undefined) return;
        output += chunk;
        const match = READY.exec(output);
        if (!match) return;
        output = undefined;
        this.origin = match[1]!;
        this.#port = new URL(this.origin).port;
        resolve(this.origin);
      });
      child.once("exit", (code, signal) => {
        const how = signal ?? `code ${code}`;
        reject(new Error(`the server exited (${how}) before it served`));
        if (!this.#stopping && child === this.#child) this.#onUnexpectedExit(how);
      });
    });
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGTERM, and waits for the graceful shutdown to end. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.running) this.#child!.kill("SIGTERM");
    await this.#exited;
  }

  /** Stops it (if it runs) and starts it again on the same port. */
  async restart(): Promise<string> {
    await this.stop();
    return this.start();
  }
}
