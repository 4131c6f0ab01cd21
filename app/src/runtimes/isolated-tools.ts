import { Worker } from "node:worker_threads";
import { ToolError } from "../server/invoker.ts";
import type { IsolatedRunner } from "../server/tool-host.ts";
import type { LogLevel } from "../tools/context.ts";

const WORKER = new URL("./isolated-tool-worker.ts", import.meta.url);

/** What the worker posts back last: the handler's value, or its error message. */
export type IsolatedOutcome = { ok: true; value: unknown } | { ok: false; message: string };

/** What the worker posts while the handler runs: its progress and log reports, relayed to the call's reporter. */
export type IsolatedReport = { report: "progress"; progress: number; total?: number; message?: string } | { report: "log"; level: LogLevel; data: unknown; logger?: string };

/**
 * Runs each call of an isolated tool in a fresh worker thread whose V8 heap is
 * capped at the tool's `memoryMb`. A call that passes the cap ends its worker
 * (ERR_WORKER_OUT_OF_MEMORY) and fails alone; the server's heap never sees
 * that memory. A call that times out or is cancelled has its worker
 * terminated, even one stuck in a synchronous loop, which an in-process
 * handler cannot be.
 */
export function createIsolatedRunner(): IsolatedRunner {
  return {
    run(tool, args, scope, signal, reporter) {
      const limit = tool.isolation;
      return new Promise((resolve, reject) => {
        const worker = new Worker(WORKER, {
          workerData: { module: limit.module, exportName: limit.export, args, scope },
          resourceLimits: { maxOldGenerationSizeMb: limit.memoryMb, maxYoungGenerationSizeMb: Math.min(16, limit.memoryMb), stackSizeMb: 4 },
          stdout: false,
          stderr: false,
        });
        let settled = false;
        const settle = (outcome: () => void) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener("abort", stop);
          outcome();
          void worker.terminate();
        };
        const stop = () => settle(() => reject(signal.reason));
        signal.addEventListener("abort", stop, { once: true });
        worker.on("message", (message: IsolatedOutcome | IsolatedReport) => {
          if ("report" in message) {
            if (settled) return;
            if (message.report === "progress") void reporter.progress(message.progress, message.total, message.message);
            else void reporter.log(message.level, message.data, message.logger);
            return;
          }
          settle(() => (message.ok ? resolve(message.value) : reject(new ToolError(`${tool.name} failed: ${message.message}`))));
        });
        worker.once("error", (error: NodeJS.ErrnoException) =>
          settle(() =>
            reject(
              new ToolError(
                error.code === "ERR_WORKER_OUT_OF_MEMORY"
                  ? `${tool.name} ran out of memory: its limit is ${limit.memoryMb} MB`
                  : `${tool.name} failed in its worker: ${error.message}`,
              ),
            ),
          ),
        );
        worker.once("exit", (code) => settle(() => reject(new ToolError(`${tool.name} stopped without answering (exit code ${code})`))));
      });
    },
  };
}
