/**
 * `npm run cost -- --stack prod [--json | --markdown] [--no-free-tier] [--diff <git-ref|file>] [assumption flags]`
 *
 * Prints the monthly cost of a stack per platform and cost driver, or with
 * --diff the monthly delta from the stack as it is at a git ref (or in a file)
 * to the working tree's Pulumi.<stack>.yaml. Offline: reads the stack files and
 * stacks/cost/prices.json only.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { StackNotFoundError } from "../stack-name.ts";
import { StackConfigError } from "../config-error.ts";
import { parseStackFile } from "../load.ts";
import { readStackSource } from "../stack-source.ts";
import { ASSUMPTIONS, type AssumptionKey, assumptionFlagOptions, type Assumptions, parseAssumptionFlags, resolveAssumptions } from "../cost/assumptions.ts";
import { diffEstimates } from "../cost/diff.ts";
import { type Estimate, estimateStack, type StackAt } from "../cost/estimate.ts";
import { diffJson, estimateJson } from "../cost/json.ts";
import { priceBook } from "../cost/price-book.ts";
import { renderDiffMarkdown, renderDiffText, renderEstimateMarkdown, renderEstimateText } from "../cost/render.ts";

function usage(): string {
  const flags = (Object.keys(ASSUMPTIONS) as AssumptionKey[]).map((key) => {
    const { flag, means } = ASSUMPTIONS[key];
    const fallback = ASSUMPTIONS[key].default;
    const shown = typeof fallback === "object" ? Object.entries(fallback).map(([k, v]) => `${k}=${v}`).join(",") : String(fallback);
    return `  --${flag} <value>`.padEnd(34) + `${means} (default ${shown})`;
  });
  return [
    "usage: npm run cost -- --stack <name> [--json | --markdown] [--no-free-tier] [--diff <git-ref|file>] [--root <dir>] [assumption flags]",
    "",
    "  --stack, -s <name>              the stack: reads Pulumi.<name>.yaml",
    "  --diff <git-ref|file>           the monthly delta from the stack at a git ref (e.g. origin/main) or in a file",
    "  --json                          the same as JSON",
    "  --markdown                      markdown, for a pull-request comment",
    "  --no-free-tier                  leave out free-tier allowances and credits",
    "  --root <dir>                    the project directory (default .)",
    "",
    "Traffic assumptions (a stack sets its own under cost:, flags win):",
    ...flags,
  ].join("\n");
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function estimateOf(at: StackAt, flags: Partial<Assumptions>, freeTier: boolean): Estimate {
  const book = priceBook({ overrides: at.config.cost?.prices ?? {}, freeTier });
  return estimateStack(at, resolveAssumptions(at.config.cost, flags), book);
}

function main(): void {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      allowNegative: true,
      options: {
        stack: { type: "string", short: "s" },
        diff: { type: "string" },
        json: { type: "boolean" },
        markdown: { type: "boolean" },
        "free-tier": { type: "boolean", default: true },
        root: { type: "string" },
        help: { type: "boolean", short: "h" },
        ...assumptionFlagOptions(),
      },
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage()}`);
  }
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  if (typeof values.stack !== "string") fail(`--stack is required\n\n${usage()}`);
  if (values.json && values.markdown) fail("--json and --markdown exclude each other");
  const root = typeof values.root === "string" ? values.root : ".";
  const freeTier = values["free-tier"] !== false;

  try {
    const flags = parseAssumptionFlags(values);
    const file = join(root, `Pulumi.${values.stack}.yaml`);
    const after = estimateOf({ ...parseStackFile(file), origin: `Pulumi.${values.stack}.yaml` }, flags, freeTier);
    if (typeof values.diff === "string") {
      const before = estimateOf(readStackSource(values.diff, values.stack, { root }), flags, freeTier);
      const diff = diffEstimates(before, after);
      const text = values.json ? JSON.stringify(diffJson(diff), null, 2) : values.markdown ? renderDiffMarkdown(diff) : renderDiffText(diff);
      process.stdout.write(`${text}\n`);
      return;
    }
    const text = values.json ? JSON.stringify(estimateJson(after), null, 2) : values.markdown ? renderEstimateMarkdown(after) : renderEstimateText(after);
    process.stdout.write(`${text}\n`);
  } catch (error) {
    if (error instanceof StackConfigError || error instanceof StackNotFoundError) fail(error.message);
    throw error;
  }
}

main();
