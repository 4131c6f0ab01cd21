/**
 * `npm run plan -- --stack prod [--json]`: evaluates the Pulumi program offline
 * for one stack and lists every resource it would register. The stack's YAML is
 * parsed directly; secure values stay opaque placeholders; release bundles that
 * are not on this machine are placeholders too. This is NOT `pulumi preview`:
 * it consults no provider, no cloud account and no state.
 */
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { parseStackFile, StackConfigError } from "../../stacks/load.ts";
import { placeholderReleases, type ReleaseSource } from "../releases.ts";
import { buildStack } from "../stack.ts";
import { evaluateOffline } from "./evaluate.ts";
import { renderTable, toJson } from "./render.ts";

const USAGE = "usage: npm run plan -- --stack <name> [--json] [--root <dir>]";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let options: { stack?: string; json?: boolean; root?: string };
  try {
    options = parseArgs({
      options: { stack: { type: "string", short: "s" }, json: { type: "boolean" }, root: { type: "string" } },
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (!options.stack) fail(`--stack is required\n${USAGE}`);
  const root = options.root ?? ".";
  const file = join(root, `Pulumi.${options.stack}.yaml`);

  const started = performance.now();
  let parsed;
  try {
    parsed = parseStackFile(file);
  } catch (error) {
    if (error instanceof StackConfigError) fail(error.message);
    throw error;
  }
  const parseMs = performance.now() - started;

  const placeholders: string[] = [];
  const source = placeholderReleases(root);
  const releases: ReleaseSource = {
    resolve(release) {
      const artifacts = source.resolve(release);
      if (artifacts.placeholder && !placeholders.includes(release)) placeholders.push(release);
      return artifacts;
    },
  };

  const { stack, config } = parsed;
  let evaluation;
  try {
    const projectDir = relative(process.cwd(), root) || ".";
    evaluation = await evaluateOffline(stack, () => buildStack(config, { stack, releases, projectDir }));
  } catch (error) {
    fail(`offline evaluation of stack ${stack} failed: ${(error as Error).message}`);
  }

  const note = `Offline evaluation of stack "${stack}" under Pulumi mocks. This is NOT \`pulumi preview\`: no provider, cloud account or state was consulted; secrets are shown as [secret].`;
  const timing = { parseMs: Math.round(parseMs), evaluateMs: Math.round(evaluation.elapsedMs) };
  if (options.json) {
    const report = { offline: true, note, stack, timing, placeholderReleases: placeholders, outputs: evaluation.outputs, resources: toJson(evaluation.registrations) };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [note, "", renderTable(evaluation.registrations), "", `outputs: ${JSON.stringify(evaluation.outputs)}`];
  if (placeholders.length > 0) {
    lines.push(`placeholder bundles (not on this machine): ${placeholders.join(", ")}`);
  }
  lines.push(
    `${evaluation.registrations.length} resources; config parsed in ${timing.parseMs} ms, program evaluated in ${timing.evaluateMs} ms (offline, not pulumi preview).`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
