/**
 * What the model calls of a run cost, roughly: tokens × the model's list
 * price. Prices change and a team's own server costs what it costs, so a
 * model not listed here gets a token count and a hint to pass --price.
 * Sources: anthropic.com/pricing and openai.com/api/pricing, US dollars per
 * million tokens, standard tier, as published in 2025; check them before
 * sizing a budget on them.
 */
import { UsageError } from "../../stacks/cli.ts";
import type { Usage } from "./run-suite.ts";

export interface Price {
  /** Dollars per million input tokens. */
  input: number;
  /** Dollars per million output tokens. */
  output: number;
  source: string;
}

const ANTHROPIC = "anthropic.com/pricing";
const OPENAI = "openai.com/api/pricing";

/** Keyed by model id prefix: `claude-sonnet-4-5-20250929` is priced as `claude-sonnet-4-5`. */
const LIST_PRICES: Record<string, Price> = {
  "claude-opus-4-1": { input: 15, output: 75, source: ANTHROPIC },
  "claude-sonnet-4-5": { input: 3, output: 15, source: ANTHROPIC },
  "claude-haiku-4-5": { input: 1, output: 5, source: ANTHROPIC },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, source: OPENAI },
  "gpt-4.1": { input: 2, output: 8, source: OPENAI },
  "gpt-4o-mini": { input: 0.15, output: 0.6, source: OPENAI },
  "gpt-4o": { input: 2.5, output: 10, source: OPENAI },
};

export function listPrice(model: string): Price | undefined {
  const prefix = Object.keys(LIST_PRICES)
    .filter((key) => model === key || model.startsWith(`${key}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? LIST_PRICES[prefix] : undefined;
}

/** `--price 3,15`: dollars per million input and output tokens. */
export function parsePrice(text: string): Price {
  const match = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) throw new UsageError(`--price: ${JSON.stringify(text)} is not <input>,<output> dollars per million tokens (e.g. 3,15)`);
  return { input: Number(match[1]), output: Number(match[2]), source: "--price" };
}

export function describeUsage(usage: Usage, model: string, price: Price | undefined): string {
  const tokens = `${usage.inputTokens.toLocaleString("en-US")} input and ${usage.outputTokens.toLocaleString("en-US")} output tokens`;
  const head = `model calls: ${usage.calls} · ${tokens}`;
  if (!price) return `${head} · no list price known for ${model}: pass --price <input>,<output> (dollars per million tokens) for an estimate`;
  const dollars = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6;
  return `${head} · about $${dollars.toFixed(dollars < 1 ? 4 : 2)} at $${price.input}/$${price.output} per million tokens (${price.source})`;
}
