/**
 * One release's Node server, run as its own process under the release host:
 * its own heap and event loop, so a handler of one release that leaks or
 * spins cannot take another release down. The process listens on a port of
 * the loopback the host picks up from its first line; it is restarted when it
 * exits, and when its resident memory passes the limit, saying why.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { residentMegabytes } from "./resident-memory.ts";

export type ReleaseState = "starting" | "up" | "restarting" | "stopped";

export interface ReleaseProcessOptions {
  release: string;
  /** The server's entry module (`…/app/src/runtimes/node-main.ts`); set later when its tree is still being fetched. */
  entry?: string;
  /** Environment of the server: the machine's, less what only the host reads. */
  env: NodeJS.ProcessEnv;
  memoryLimitMb: number;
  watchMs: number;
  log: (line: string) => void;
}

const LISTENING = /^mcp-hosting listening on (http:\/\/[^/\s]+)\//;
const HEALTHY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

export class ReleaseProcess {
  readonly release: string;
  #options: ReleaseProcessOptions;
  #child: ChildProcess | undefined;
  #origin: string | undefined;
  #state: ReleaseState = "starting";
  #waiters = new Set<() => void>();
  #crashes = 0;
  #startedAt = 0;
  #watch: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Set when the watchdog ends the process: its exit is then no crash to back off from. */
  #memoryRestart = false;
  /** Restarts so far, and why the last one happened (the host's /healthz shows them). */
  restarts = 0;
  lastRestart: string | undefined;

  constructor(options: ReleaseProcessOptions) {
    this.release = options.release;
    this.#options = options;
  }

  /** Where the server's code is, once known (a fetched tree's). */
  setEntry(entry: string): void {
    this.#options = { ...this.#options, entry };
  }

  get state(): ReleaseState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Where the server listens while it is up. */
  get origin(): string | undefined {
    return this.#state === "up" ? this.#origin : undefined;
  }

  start(): void {
    const { entry, env, log, release } = this.#options;
    if (entry === undefined) throw new Error(`release ${release}: started before its entry was known`);
    this.#state = this.restarts === 0 ? "starting" : "restarting";
    this.#origin = undefined;
    this.#startedAt = Date.now();
    const child = spawn(process.execPath, [entry], { env, stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const listening = LISTENING.exec(line);
      if (listening && child === this.#child && this.#state !== "stopped") {
        this.#origin = listening[1]!;
        this.#state = "up";
        for (const wake of this.#waiters) wake();
      }
      log(`[${release}] ${line}`);
    });
    createInterface({ input: child.stderr! }).on("line", (line) => log(`[${release}] ${line}`));
    child.on("exit", (code, signal) => this.#exited(child, code, signal));
    child.on("error", (error) => log(`release-host: ${release} could not start: ${error.message}`));
    this.#watch ??= setInterval(() => this.#checkMemory(), this.#options.watchMs);
  }

  /** Resolves once the server is up, or after `timeoutMs` (then `origin` is still undefined). */
  async whenUp(timeoutMs: number): Promise<string | undefined> {
    if (this.origin || this.#state === "stopped") return this.origin;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#waiters.add(wake);
    });
    return this.origin;
  }

  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and does not restart it. */
  async stop(graceMs = 5000): Promise<void> {
    this.#state = "stopped";
    clearInterval(this.#watch);
    clearTimeout(this.#restartTimer);
    for (const wake of this.#waiters) wake();
    await this.#end(graceMs);
  }

  #checkMemory(): void {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#state !== "up") return;
    const used = residentMegabytes(pid);
    if (used === undefined || used <= this.#options.memoryLimitMb) return;
    const reason = `uses ${used} MB resident, over its limit of ${this.#options.memoryLimitMb} MB (fly.releaseMemoryMb)`;
    this.#options.log(`release-host: release ${this.release} (pid ${pid}) ${reason}; restarting it`);
    this.lastRestart = reason;
    this.#memoryRestart = true;
    this.#state = "restarting";
    this.#origin = undefined;
    void this.#end(2000);
  }

  #exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    this.#origin = undefined;
    if (this.#state === "stopped") return;
    const planned = this.#memoryRestart;
    this.#memoryRestart = false;
    if (!planned) {
      if (Date.now() - this.#startedAt > HEALTHY_AFTER_MS) this.#crashes = 0;
      this.#crashes++;
      this.lastRestart = `exited (${signal ?? `code ${code}`})`;
    }
    const delay = planned ? 0 : Math.min(MAX_BACKOFF_MS, 500 * 2 ** (this.#crashes - 1));
    this.#options.log(`release-host: release ${this.release} ${planned ? "stopped" : this.lastRestart}; starting it again${delay > 0 ? ` in ${delay} ms` : ""}`);
    this.restarts++;
    this.#state = "restarting";
    this.#restartTimer = setTimeout(() => this.start(), delay);
  }

  async #end(graceMs: number): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
