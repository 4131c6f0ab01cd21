/**
 * Which model the environment names. ANTHROPIC_API_KEY (ANTHROPIC_BASE_URL
 * honoured) or OPENAI_API_KEY (OPENAI_BASE_URL for any OpenAI-compatible
 * server); with both, Anthropic unless EVAL_PROVIDER=openai. EVAL_MODEL names
 * the model: results are only comparable per model, so there is no default.
 */
import { UsageError } from "../../../stacks/cli.ts";
import { anthropicModel } from "./anthropic.ts";
import type { Model } from "./model.ts";
import { openAiModel } from "./openai.ts";

export type ModelChoice = { model: Model } | { skipped: string };

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

export function modelFromEnv(env: NodeJS.ProcessEnv = process.env): ModelChoice {
  const provider = env.EVAL_PROVIDER?.trim();
  if (set(provider) && provider !== "anthropic" && provider !== "openai") {
    throw new UsageError(`EVAL_PROVIDER=${JSON.stringify(provider)} is not a provider (expected anthropic or openai)`, 2);
  }
  const anthropic = set(env.ANTHROPIC_API_KEY);
  const openai = set(env.OPENAI_API_KEY);
  const use = provider === "openai" ? (openai ? "openai" : undefined) : provider === "anthropic" ? (anthropic ? "anthropic" : undefined) : anthropic ? "anthropic" : openai ? "openai" : undefined;
  if (!use) {
    const wanted = provider ? `EVAL_PROVIDER=${provider} but ${provider === "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY"} is not set` : "no model credentials: set ANTHROPIC_API_KEY, or OPENAI_API_KEY (with OPENAI_BASE_URL for an OpenAI-compatible server), and EVAL_MODEL";
    return { skipped: wanted };
  }
  if (!set(env.EVAL_MODEL)) throw new UsageError(`EVAL_MODEL is not set: name the ${use === "anthropic" ? "Anthropic" : "OpenAI-compatible"} model to ask (results are compared per model)`, 2);
  const model = env.EVAL_MODEL.trim();
  return use === "anthropic"
    ? { model: anthropicModel({ apiKey: env.ANTHROPIC_API_KEY!, model, ...(set(env.ANTHROPIC_BASE_URL) ? { baseURL: env.ANTHROPIC_BASE_URL } : {}) }) }
    : { model: openAiModel({ apiKey: env.OPENAI_API_KEY!, model, ...(set(env.OPENAI_BASE_URL) ? { baseURL: env.OPENAI_BASE_URL } : {}) }) };
}
