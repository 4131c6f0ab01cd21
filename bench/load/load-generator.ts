/**
 * The bench's side of the load generator (generator.ts): forks it as its own
 * Node process and asks it, one message at a time, to open a target and to
 * run rungs. Every request has a hard time limit after which the generator is
 * killed, so a run stays bounded whatever the server does.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FromGenerator, LoadTarget, RungJob, RungResult, ToGenerator } from "./protocol.ts";

const GENERATOR = fileURLToPath(new URL("./generator.ts", import.meta.url));
/** Slack on top of what a request should take: process start, IPC, the last answers. */
const SLACK_MS = 15_000;

export class LoadGenerator {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  /** A generator process with `target`'s sessions open. */
  static async open(target: LoadTarget, openTimeoutMs = 60_000): Promise<{ generator: LoadGenerator; sessions: number; openMs: number }> {
    const generator = new LoadGenerator(fork(GENERATOR, [], { execPath: process.execPath, stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" }));
    try {
      const reply = await generator.#ask({ kind: "open", target }, openTimeoutMs);
      if (reply.kind !== "opened") throw new Error(`the load generator answered ${reply.kind} to open`);
      return { generator, sessions: reply.sessions, openMs: reply.openMs };
    } catch (error) {
      await generator.close();
      throw error;
    }
  }

  async rung(job: RungJob): Promise<RungResult> {
    const reply = await this.#ask({ kind: "rung", job }, job.durationMs + job.timeoutMs);
    if (reply.kind !== "rung") throw new Error(`the load generator answered ${reply.kind} to a rung`);
    return reply.result;
  }

  async close(): Promise<void> {
    if (this.#child.connected) this.#child.send({ kind: "close" } satisfies ToGenerator);
    const killer = setTimeout(() => this.#child.kill("SIGKILL"), 5000);
    await this.#exited;
    clearTimeout(killer);
  }

  #ask(message: ToGenerator, expectedMs: number): Promise<FromGenerator> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#child.kill("SIGKILL");
        reject(new Error(`the load generator did not answer ${message.kind} within ${expectedMs + SLACK_MS} ms; killed`));
      }, expectedMs + SLACK_MS);
      const done = () => {
        clearTimeout(timer);
        this.#child.off("message", onMessage);
        this.#child.off("exit", onExit);
      };
      const onMessage = (reply: FromGenerator) => {
        done();
        if (reply.kind === "failed") reject(new Error(`load generator: ${reply.message}`));
        else resolve(reply);
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        reject(new Error(`the load generator exited (${signal ?? `code ${code}`}) during ${message.kind}`));
      };
      this.#child.on("message", onMessage);
      this.#child.once("exit", onExit);
      this.#child.send(message);
    });
  }
}
