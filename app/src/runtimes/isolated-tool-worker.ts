// One call of an isolated tool, in its own worker thread (see isolated-tools.ts).
import { parentPort, workerData } from "node:worker_threads";
import type { LogLevel } from "../tools/context.ts";
import type { IsolatedOutcome, IsolatedReport } from "./isolated-tools.ts";

const { module, exportName, args, scope } = workerData as { module: string; exportName: string; args: unknown; scope: { principal: string; stateKey: string } };

async function call(): Promise<IsolatedOutcome> {
  const handler = ((await import(module)) as Record<string, unknown>)[exportName];
  if (typeof handler !== "function") return { ok: false, message: `${module} exports no handler named ${exportName}` };
  try {
    // Reports cross to the parent thread, which relays them like any other handler's.
    const report = async (message: IsolatedReport) => parentPort!.postMessage(message);
    const ctx = {
      ...scope,
      signal: new AbortController().signal,
      state: {},
      progress: (progress: number, total?: number, message?: string) => report({ report: "progress", progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) }),
      log: (level: LogLevel, data: unknown, logger?: string) => report({ report: "log", level, data, ...(logger === undefined ? {} : { logger }) }),
    };
    return { ok: true, value: await handler(args, ctx) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

parentPort!.postMessage(await call());
