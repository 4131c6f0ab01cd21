// One call of an isolated tool, in its own worker thread (see isolated-tools.ts).
import { parentPort, workerData } from "node:worker_threads";
import type { IsolatedOutcome } from "./isolated-tools.ts";

const { module, exportName, args, scope } = workerData as { module: string; exportName: string; args: unknown; scope: { principal: string; stateKey: string } };

async function call(): Promise<IsolatedOutcome> {
  const handler = ((await import(module)) as Record<string, unknown>)[exportName];
  if (typeof handler !== "function") return { ok: false, message: `${module} exports no handler named ${exportName}` };
  try {
    return { ok: true, value: await handler(args, { ...scope, signal: new AbortController().signal, state: {} }) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

parentPort!.postMessage(await call());
