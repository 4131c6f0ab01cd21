/**
 * `npm run plan -- --stack prod [--json] [--diff <git-ref|file>]`: evaluates the
 * Pulumi program offline for one stack and lists every resource it would
 * register, or with `--diff`, what changing the stack file from that ref (or
 * file) to the working tree does: creates, updates, replaces and deletes, with
 * the changed inputs. The stack's YAML is parsed directly; secure values stay
 * opaque placeholders; release bundles that are not on this machine are
 * placeholders too, and the report says which; a `local` pin's bundle is built
 * first when the working tree is newer than it. This is NOT `pulumi preview`:
 * it consults no provider, no cloud account and no state.
 *
 * It refuses a stack whose Fly release cannot serve a pinned edge release's
 * Fly tools (stacks/compat/fly-contract.ts), or that pins a release contracting
 * the Node database's schema beside one from before it
 * (stacks/compat/schema-rule.ts), for the releases on this machine.
 */
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { runCommand, UsageError, missingFlag } from "../cli.ts";
import { flyContract } from "../compat/fly-contract.ts";
import { schemaRefusal, schemaRule } from "../compat/schema-rule.ts";
import { parseStackFile } from "../load.ts";
import { clip, outputWidth, wrap } from "../terminal.ts";
import { MigrationSplitError } from "../migrations.ts";
import { pinsLocalEdge, releasePins } from "../pins.ts";
import { releaseLookup } from "../release-platform.ts";
import { COLORS, type StackConfig } from "../schema.ts";
import { readStackSource } from "../stack-source.ts";
import { buildLocalBundleIfStale, writeLocalToolSchemas } from "../../infra/local-bundle.ts";
import { placeholderReleases, type ReleaseSource } from "../../infra/releases.ts";
import { buildStack } from "../../infra/stack.ts";
import { diffPrograms } from "../../infra/plan/diff.ts";
import { evaluateOffline } from "../../infra/plan/evaluate.ts";
import { CloudflareRefusal } from "../../infra/plan/fake-cloudflare.ts";
import { renderTable, toJson } from "../../infra/plan/render.ts";
import { diffToJson, renderDiff } from "../../infra/plan/render-diff.ts";

/** Prose lines wrapped to the terminal (stacks/terminal.ts). */
const prose = (text: string) => wrap(text, outputWidth(), "  ");

const USAGE = "usage: npm run plan -- --stack <name> [--json] [--diff <git-ref|file>] [--root <dir>]";
const OFFLINE = "This is NOT `pulumi preview`: no provider, cloud account or state was consulted; secrets are shown as [secret].";

/** Release sources that remember which releases were placeholders. */
function trackingReleases(root: string): { releases: ReleaseSource; placeholders: Set<string> } {
  const source = placeholderReleases(root);
  const placeholders = new Set<string>();
  return {
    placeholders,
    releases: {
      resolve(release) {
        const artifacts = source.resolve(release);
        if (artifacts.placeholder) placeholders.add(release);
        return artifacts;
      },
    },
  };
}

/** API versions whose slots' Durable Object migrations could not be compared, because a release is not here. */
function uncheckedSlots(config: StackConfig, placeholders: Set<string>): string[] {
  const notes: string[] = [];
  for (const [name, version] of Object.entries(config.apiVersions)) {
    const absent = COLORS.map((color) => version.slots[color].release).filter((release) => placeholders.has(release));
    if (absent.length > 0) {
      notes.push(
        `apiVersions.${name}: the Durable Object migrations of its slots were not compared (the working tree's were assumed): ${[...new Set(absent)].join(", ")} not on this machine (npm run release:fetch -- --stack <stack>)`,
      );
    }
  }
  return notes;
}

/**
 * The Fly contract and the Node schema rule of the releases on this machine: a
 * broken schema rule stops the plan; the notes say what is worth a look or was not compared.
 */
async function pinNotes(config: StackConfig, root: string): Promise<string[]> {
  const lookup = await releaseLookup(releasePins(config).map((pin) => pin.release), config, root, { store: false });
  const rule = schemaRule(config, lookup);
  const refusal = schemaRefusal(rule);
  if (refusal) throw new UsageError(`this stack cannot be deployed: ${refusal}`);
  return [...flyContract(config, lookup), ...rule.notes];
}

function placeholderLine(placeholders: Set<string>): string[] {
  return placeholders.size === 0 ? [] : [`placeholder bundles (not on this machine, so their code is not compared): ${[...placeholders].join(", ")}`];
}

async function main(): Promise<void> {
  const { values: options } = parseArgs({
    options: { stack: { type: "string", short: "s" }, json: { type: "boolean" }, root: { type: "string" }, diff: { type: "string" } },
  });
  if (!options.stack) throw missingFlag("--stack");
  const root = options.root ?? ".";
  const projectDir = relative(process.cwd(), root) || ".";

  const started = performance.now();
  const { stack, config } = parseStackFile(join(root, `Pulumi.${options.stack}.yaml`));
  const parseMs = Math.round(performance.now() - started);
  const base = options.diff === undefined ? undefined : readStackSource(options.diff, options.stack, { root });
  // A `local` pin is planned with the working tree as it is now: a bundle older than the sources is built again first.
  if ([config, base?.config].some((pinned) => pinned !== undefined && pinsLocalEdge(pinned))) {
    await buildLocalBundleIfStale(root, (line) => process.stderr.write(`${line}\n`));
  }
  await writeLocalToolSchemas(root);
  const { releases, placeholders } = trackingReleases(root);
  const compat = await pinNotes(config, root);

  if (base !== undefined) {
    const diff = await diffPrograms(
      stack,
      () => buildStack(base.config, { stack, releases, projectDir }),
      () => buildStack(config, { stack, releases, projectDir }),
    );
    const from = base.origin;
    const to = `Pulumi.${stack}.yaml in the working tree`;
    const notes = [...uncheckedSlots(config, placeholders), ...placeholderLine(placeholders), ...compat];
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ offline: true, note: OFFLINE, stack, from, to, ...diffToJson(diff), notes }, null, 2)}\n`);
      return;
    }
    const lines = [...prose(`Offline diff of stack "${stack}": ${from} → ${to}, under Pulumi mocks. ${OFFLINE}`), "", renderDiff(diff)];
    if (notes.length > 0) lines.push("", ...notes.flatMap(prose));
    process.stdout.write(`${lines.join("\n")}\n`);
    return;
  }

  const evaluation = await evaluateOffline(stack, () => buildStack(config, { stack, releases, projectDir }));
  const note = `Offline evaluation of stack "${stack}" under Pulumi mocks. ${OFFLINE}`;
  const timing = { parseMs, evaluateMs: Math.round(evaluation.elapsedMs) };
  const notes = [...uncheckedSlots(config, placeholders), ...compat];
  if (options.json) {
    const report = { offline: true, note, stack, timing, placeholderReleases: [...placeholders], notes, outputs: evaluation.outputs, resources: toJson(evaluation.registrations) };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  // The count first as well as last: a long table scrolls its first lines away.
  const count = `${evaluation.registrations.length} resources; config parsed in ${timing.parseMs} ms, program evaluated in ${timing.evaluateMs} ms (offline, not pulumi preview).`;
  const lines = [
    ...prose(note),
    ...prose(count),
    "",
    renderTable(evaluation.registrations),
    "",
    clip(`outputs: ${JSON.stringify(evaluation.outputs)}`, outputWidth()),
    ...[...placeholderLine(placeholders), ...notes].flatMap(prose),
    ...prose(count),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await runCommand(USAGE, async () => {
  try {
    await main();
  } catch (error) {
    if (error instanceof MigrationSplitError || error instanceof CloudflareRefusal) throw new UsageError(`this stack cannot be deployed: ${error.message}`);
    throw error;
  }
});
