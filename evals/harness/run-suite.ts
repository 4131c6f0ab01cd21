/**
 * Runs the suite against one endpoint: the tools as it lists them, each case
 * given to the model `trials` times (models are not deterministic, so a
 * case's result is its pass rate), a few requests at a time.
 */
import { UsageError } from "../../stacks/cli.ts";
import { judge } from "./judge.ts";
import type { ListedTool, Model } from "./models/model.ts";
import { SYSTEM_PROMPT } from "./models/model.ts";
import { redactCredentials } from "./redact.ts";
import { type EvalCase, expectedOf } from "./suite.ts";

export interface CaseResult {
  id: string;
  file: string;
  expected: string;
  /** The tool chosen most often (ties: the first seen), or `(no tool)`. */
  chosen: string;
  /** How often each tool was chosen first. */
  choices: Record<string, number>;
  passes: number;
  trials: number;
  passRate: number;
  weight: number;
  /** Each distinct reason a trial failed. */
  failures: string[];
}

export interface Usage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface SuiteRun {
  model: string;
  provider: string;
  url: string;
  tools: string[];
  cases: number;
  /** Cases that passed in every trial. */
  passed: number;
  /** Σ weight × pass rate / Σ weight. */
  accuracy: number;
  results: CaseResult[];
  usage: Usage;
}

export interface RunOptions {
  url: URL;
  tools: readonly ListedTool[];
  model: Model;
  cases: readonly EvalCase[];
  trials: number;
  concurrency: number;
}

async function ask(model: Model, c: EvalCase, tools: readonly ListedTool[]) {
  try {
    return await model.ask({ system: SYSTEM_PROMPT, conversation: [...c.before, { role: "user", text: c.prompt }], tools });
  } catch (error) {
    const status = (error as { status?: number }).status;
    const text = redactCredentials((error as Error).message ?? String(error)).split("\n")[0];
    throw new UsageError(`${model.provider} model ${model.name} at ${model.endpoint} failed on case ${c.id}${status ? ` (HTTP ${status})` : ""}: ${text}`, 3);
  }
}

export async function runSuite(options: RunOptions): Promise<SuiteRun> {
  const { model, cases, trials, tools } = options;
  const verdicts = cases.map(() => [] as ReturnType<typeof judge>[]);
  const usage: Usage = { calls: 0, inputTokens: 0, outputTokens: 0 };
  const jobs = cases.flatMap((_, index) => Array.from({ length: trials }, () => index));
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = jobs[next++]!;
      const answer = await ask(model, cases[index]!, tools);
      usage.calls += 1;
      usage.inputTokens += answer.inputTokens;
      usage.outputTokens += answer.outputTokens;
      verdicts[index]!.push(judge(cases[index]!, answer.calls));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, jobs.length) }, worker));

  const results = cases.map((c, index): CaseResult => {
    const trialsOf = verdicts[index]!;
    const choices: Record<string, number> = {};
    for (const verdict of trialsOf) choices[verdict.chosen] = (choices[verdict.chosen] ?? 0) + 1;
    const chosen = Object.entries(choices).reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
    const passes = trialsOf.filter((verdict) => verdict.pass).length;
    return {
      id: c.id,
      file: c.file,
      expected: expectedOf(c),
      chosen,
      choices,
      passes,
      trials: trialsOf.length,
      passRate: passes / trialsOf.length,
      weight: c.weight,
      failures: [...new Set(trialsOf.flatMap((verdict) => (verdict.reason ? [verdict.reason] : [])))],
    };
  });
  const totalWeight = results.reduce((sum, r) => sum + r.weight, 0);
  return {
    model: model.name,
    provider: model.provider,
    url: options.url.href,
    tools: tools.map((tool) => tool.name),
    cases: results.length,
    passed: results.filter((r) => r.passes === r.trials).length,
    accuracy: results.reduce((sum, r) => sum + r.weight * r.passRate, 0) / totalWeight,
    results,
    usage,
  };
}
