/**
 * A guarded cutover: apply the edited config, watch the API version with
 * `verify` for a window (scripted calls, and the colors' real traffic when a
 * traffic guard is given), and on a breach roll back first (the edit back,
 * applied), investigate second.
 */
import { spawnSync } from "node:child_process";
import { watch, type WatchOptions } from "./verify/watch.ts";
import { UsageError } from "./cli.ts";
import { planRollback } from "./rollback.ts";
import { readStack, showChange, writeStack } from "./stack-file.ts";
import { describeGuard, readingPrinter } from "./telemetry/traffic-flags.ts";
import { describeTraffic } from "./traffic.ts";
import { inCi } from "./unread.ts";

export interface GuardOptions extends WatchOptions {
  root: string;
  stack: string;
  api: string;
  /** The MCP endpoint to watch. */
  url: URL;
  /** The shell command that applies the stack file, e.g. `pulumi up --yes --stack prod`. */
  apply: string;
  log: (line: string) => void;
}

export type GuardOutcome = { held: true } | { held: false; reason: string };

function runApply(command: string, log: (line: string) => void): void {
  log(`$ ${command}`);
  const run = spawnSync(command, { shell: true, stdio: "inherit" });
  if (run.status !== 0) throw new UsageError(`apply failed (exit ${run.status ?? run.signal}): ${command}`);
}

export async function guardCutover(options: GuardOptions): Promise<GuardOutcome> {
  runApply(options.apply, options.log);
  options.log(`guard: watching ${options.url.href} for ${Math.round((options.windowMs ?? 0) / 1000)} s`);
  options.log(options.traffic ? describeGuard(options.traffic) : "real traffic: not read; judged by the scripted calls only");
  const { tally, breached, reason: why } = await watch(options.url, {
    ...options,
    onSession: (steps, running, elapsedMs) => options.log(`[${(elapsedMs / 1000).toFixed(1)}s] session ${running.sessions}: ${running.describe()}`),
    ...(options.traffic ? { onReading: readingPrinter(options.log) } : {}),
  });
  if (!breached) {
    for (const line of options.traffic?.conclusion() ?? []) options.log(line);
    const basis = options.traffic?.judgedByRealTraffic ? "real traffic and scripted calls" : "scripted calls only";
    options.log(`guard: held (${basis}) · ${tally.describe()}`);
    return { held: true };
  }
  const reason = why ?? tally.describe();
  options.log(`guard: breach (${reason}); rolling back first`);
  const current = readStack(options.root, options.stack);
  let plan: Awaited<ReturnType<typeof planRollback>>;
  try {
    plan = await planRollback(current, options.api, options.root, { strict: inCi() });
  } catch (error) {
    // Across a Durable Object migration there is nothing to go back to: say so, loudly.
    if (error instanceof UsageError) return { held: false, reason: `${reason}; and no rollback is possible: ${error.message}` };
    throw error;
  }
  if (plan.done) return { held: false, reason: `${reason}; ${plan.message}` };
  const { before: traffic, back, edited, unchecked } = plan;
  if (unchecked) options.log(`note: ${unchecked}`);
  options.log(`${current.path} · apiVersions.${options.api}: ${describeTraffic(traffic)} → ${describeTraffic(back)}`);
  options.log(showChange(current, edited));
  writeStack(edited);
  runApply(options.apply, options.log);
  return { held: false, reason };
}
