/**
 * Plays the story (story/steps.ts) against a fresh world (world.ts) and
 * reports each step: what it checked and whether that held. The story stops
 * at the first step that fails, since every later one stands on it.
 */
import { performance } from "node:perf_hooks";
import { StepFailed, StoryContext, type Check } from "./story/context.ts";
import { RULES, type PlatformRule } from "./story/rules.ts";
import { STORY } from "./story/steps.ts";
import { startWorld, type World } from "./world.ts";

export interface StepReport {
  step: number;
  title: string;
  ok: boolean;
  seconds: number;
  checks: Check[];
  error?: string;
}

export interface RehearsalReport {
  ok: boolean;
  seconds: number;
  steps: StepReport[];
  /** The platforms' rules the fakes enforced, with their sources. */
  rules: readonly PlatformRule[];
  /** Where the world was kept, with --keep. */
  dir?: string;
}

export interface RehearseOptions {
  log: (line: string) => void;
  /** Workflows to play instead of the repository's own, by file name. */
  workflows?: Record<string, string>;
  /** Stop after this step. @default every step */
  through?: number;
  /** The guard window the deploy workflow's GUARD is shortened to. @default "1s" */
  guard?: string;
  /** Keep the world's folder (fakes' state, checkouts, logs). @default false */
  keep?: boolean;
  /** Looks at the world after the last step, before it is closed (what a test checks beyond the story's own checks). */
  inspect?: (world: World) => void;
}

export async function rehearse(options: RehearseOptions): Promise<RehearsalReport> {
  const started = performance.now();
  const world = await startWorld({ log: options.log, ...(options.keep ? { keep: true } : {}) });
  const ctx = new StoryContext(world, { log: options.log, guard: options.guard ?? "1s", ...(options.workflows ? { workflows: options.workflows } : {}) });
  const steps: StepReport[] = [];
  try {
    for (const [index, step] of STORY.slice(0, options.through ?? STORY.length).entries()) {
      const stepStarted = performance.now();
      options.log(`\n${index + 1}. ${step.title}`);
      ctx.checks = [];
      let error: string | undefined;
      try {
        await step.run(ctx);
      } catch (failure) {
        error = failure instanceof StepFailed ? `stopped: ${failure.message}` : failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
        if (!(failure instanceof StepFailed)) options.log(`    ✖ ${error}`);
      }
      const ok = error === undefined && ctx.checks.every((check) => check.ok);
      steps.push({ step: index + 1, title: step.title, ok, seconds: Math.round((performance.now() - stepStarted) / 100) / 10, checks: ctx.checks, ...(error ? { error } : {}) });
      if (!ok) break;
    }
  } finally {
    options.inspect?.(world);
    await world.close();
  }
  const ok = steps.length === (options.through ?? STORY.length) && steps.every((step) => step.ok);
  return { ok, seconds: Math.round((performance.now() - started) / 100) / 10, steps, rules: RULES, ...(options.keep ? { dir: world.dir } : {}) };
}
