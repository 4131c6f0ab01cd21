/** Starts a server as its own process (so it never shares an event loop with the load it serves). */
import type { ChildProcess } from "node:child_process";
import { spawnServing } from "../../app/scripts/serving-process.ts";

export interface Spawned {
  origin: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the `listening on` line. */
  listeningMs: number;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `ready` is the line that says it serves, capturing the origin (spawnServing's default: "listening on <origin>"). */
export async function spawnServer(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000, ready?: RegExp): Promise<Spawned> {
  const started = process.hrtime.bigint();
  const serving = await spawnServing(process.execPath, args, { env: { ...process.env, ...env }, timeoutMs, ...(ready ? { ready } : {}) });
  const listeningMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { origin: serving.origin, child: serving.child, listeningMs, output: () => serving.output(), stop: () => serving.stop() };
}
