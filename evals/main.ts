/**
 * `npm run eval -- --url <mcp url> [--against <mcp url>] [--trials 3] [--json | --markdown]`:
 * does a model still pick the right tool? The suite (evals/cases/*.yaml) is
 * given to a model with the tools exactly as the endpoint lists them; each
 * case runs --trials times and its pass rate is reported, with the weighted
 * accuracy. With --against the same suite runs against a second endpoint (the
 * live color, or the base branch's build) and a case that passed there in
 * every trial and now fails in most is a regression: exit 1.
 *
 * The model comes from the environment (evals/harness/models/from-env.ts);
 * with none, one line says the run was skipped, and the exit is 0 unless
 * --require-model (exit 2). Exit 3: an endpoint or the model API could not be
 * reached. Keys are never printed.
 */
import { parseArgs } from "node:util";
import { runCommand, UsageError } from "../stacks/cli.ts";
import { headersFrom } from "../stacks/verify/headers.ts";
import { expectRelease } from "../stacks/verify/release-check.ts";
import { compareRuns } from "./harness/compare.ts";
import { schemaProblem } from "./harness/judge.ts";
import { listingChanges, listTools } from "./harness/listed-tools.ts";
import { modelFromEnv } from "./harness/models/from-env.ts";
import { describeUsage, listPrice, parsePrice } from "./harness/prices.ts";
import { renderJson, renderMarkdown, renderText } from "./harness/render.ts";
import { runSuite, type Usage } from "./harness/run-suite.ts";
import { CASES_DIR, loadSuite, unknownTools } from "./harness/suite.ts";

const USAGE = `usage: npm run eval -- --url <mcp url> [--against <mcp url>] [--trials <n>] [--json | --markdown]
  [--max-drop <0..1>] [--if-changed] [--require-model] [--cases <dir>] [--only <id,...>] [--concurrency <n>] [--price <in>,<out>]
  [--token <bearer>] [--header 'Name: value'] [--version-override <script>=<version id>] [--against-version-override <script>=<version id>]
  [--expect-release r-<12 hex>]

  --url             the MCP endpoint to evaluate: local (http://127.0.0.1:8787/v1/mcp), a preview, or a stack's color
                    (with --version-override, as verify does)
  --against         a baseline endpoint: reports each case's change and the accuracy delta; exits 1 on a regression
  --trials          runs of each case (default 3): a case's result is its pass rate
  --max-drop        refuse when the weighted accuracy drops by more than this share (default: refuse when a case that
                    passed in every baseline trial fails in most candidate trials)
  --if-changed      with --against: skip (exit 0) when both endpoints list the same tools, descriptions and schemas
  --require-model   exit 2 instead of skipping when no model is configured
  --cases           the suite's folder (default evals/cases)
  --only            run only these case ids
  --price           dollars per million input and output tokens, for the cost estimate of a model not in the list

The model: ANTHROPIC_API_KEY (ANTHROPIC_BASE_URL honoured), or OPENAI_API_KEY with OPENAI_BASE_URL for any
OpenAI-compatible server (vLLM, Ollama); EVAL_PROVIDER=openai picks OpenAI when both keys are set; EVAL_MODEL names
the model. Exit codes: 0 passed or skipped, 1 regression, 2 bad suite or no model with --require-model, 3 unreachable.`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const note = (line: string) => process.stderr.write(`${line}\n`);

function urlFlag(flag: string, text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // falls through to the refusal
  }
  throw new UsageError(`${flag}: ${JSON.stringify(text)} is not an http(s) URL (expected e.g. http://127.0.0.1:8787/v1/mcp)`, 2);
}

function countFlag(flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a whole number from 1 to ${max}`, 2);
  return n;
}

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      against: { type: "string" },
      trials: { type: "string" },
      json: { type: "boolean" },
      markdown: { type: "boolean" },
      "max-drop": { type: "string" },
      "if-changed": { type: "boolean" },
      "require-model": { type: "boolean" },
      cases: { type: "string" },
      only: { type: "string" },
      concurrency: { type: "string" },
      price: { type: "string" },
      token: { type: "string" },
      header: { type: "string", multiple: true },
      "version-override": { type: "string" },
      "against-version-override": { type: "string" },
      "expect-release": { type: "string" },
    },
  });
  if (!values.url) throw new UsageError("--url is required (the MCP endpoint, e.g. http://127.0.0.1:8787/v1/mcp)", 2, true);
  if (values.json && values.markdown) throw new UsageError("--json and --markdown: choose one", 2);
  if (values["if-changed"] && !values.against) throw new UsageError("--if-changed compares two endpoints: give --against too", 2);
  if (values["against-version-override"] && !values.against) throw new UsageError("--against-version-override needs --against", 2);
  const url = urlFlag("--url", values.url);
  const against = values.against === undefined ? undefined : urlFlag("--against", values.against);
  const trials = countFlag("--trials", values.trials, 3, 20);
  const concurrency = countFlag("--concurrency", values.concurrency, 4, 16);
  const maxDrop = values["max-drop"] === undefined ? undefined : Number(values["max-drop"]);
  if (maxDrop !== undefined && !(maxDrop >= 0 && maxDrop <= 1)) throw new UsageError(`--max-drop: ${JSON.stringify(values["max-drop"])} is not a share (expected 0..1, e.g. 0.05)`, 2);
  const price = values.price === undefined ? undefined : parsePrice(values.price);

  // The suite is checked first, with or without a model: a broken case file fails every pull request.
  let cases = loadSuite(values.cases ?? CASES_DIR);
  const broken = cases.flatMap((c) => schemaProblem(c) ?? []);
  if (broken.length > 0) throw new UsageError(broken.join("\n"), 2);
  if (values.only) {
    const wanted = new Set(values.only.split(",").map((id) => id.trim()).filter(Boolean));
    const missing = [...wanted].filter((id) => !cases.some((c) => c.id === id));
    if (missing.length > 0) throw new UsageError(`--only: no case ${missing.join(", ")} in the suite`, 2);
    cases = cases.filter((c) => wanted.has(c.id));
  }

  const choice = modelFromEnv();
  if ("skipped" in choice) {
    if (values["require-model"]) throw new UsageError(`eval: --require-model, but ${choice.skipped}`, 2);
    out(values.json ? JSON.stringify({ skipped: choice.skipped }) : `eval: skipped: ${choice.skipped}`);
    return;
  }
  const { model } = choice;

  const headers = headersFrom(values);
  const againstHeaders = headersFrom({ ...values, "version-override": values["against-version-override"] });
  if (values["expect-release"]) {
    const served = await expectRelease(url, values["expect-release"], headers);
    note(`${url.origin}: serves release ${served.release} (${served.color})`);
  }

  const tools = await listTools(url, headers);
  const unknown = unknownTools(cases, new Set(tools.map((tool) => tool.name)));
  if (unknown.length > 0) throw new UsageError(`${unknown.join("\n")}\nthe suite is out of step with ${url.href}: change the cases with the tools`, 2);
  const baselineTools = against ? await listTools(against, againstHeaders) : undefined;
  if (values["if-changed"] && baselineTools) {
    const changes = listingChanges(tools, baselineTools);
    if (changes.length === 0) {
      const why = "both endpoints list the same tools with the same descriptions and schemas";
      out(values.json ? JSON.stringify({ skipped: why }) : `eval: skipped: ${why}`);
      return;
    }
    note(`tools that changed: ${changes.join("; ")}`);
  }

  const calls = cases.length * trials * (against ? 2 : 1);
  note(`eval ${url.href}${against ? ` against ${against.href}` : ""}: ${model.provider} model ${model.name} at ${model.endpoint} · ${cases.length} cases × ${trials} trials = ${calls} model calls`);
  const run = await runSuite({ url, tools, model, cases, trials, concurrency });
  const baseline = against && baselineTools ? await runSuite({ url: against, tools: baselineTools, model, cases, trials, concurrency }) : undefined;
  const comparison = baseline ? compareRuns(run, baseline, maxDrop) : undefined;
  const usage: Usage = {
    calls: run.usage.calls + (baseline?.usage.calls ?? 0),
    inputTokens: run.usage.inputTokens + (baseline?.usage.inputTokens ?? 0),
    outputTokens: run.usage.outputTokens + (baseline?.usage.outputTokens ?? 0),
  };
  const cost = describeUsage(usage, model.name, price ?? listPrice(model.name));

  if (values.json) {
    out(renderJson({ ...run, usage }, comparison));
    note(cost);
  } else if (values.markdown) {
    out(`${renderMarkdown(run, trials, comparison)}\n\n${cost}`);
  } else {
    out(renderText(run, trials, comparison));
    out(cost);
  }
  if (comparison?.refusal) throw new UsageError(`eval: regression: ${comparison.refusal}`, 1);
});
