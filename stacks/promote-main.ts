/**
 * `npm run promote -- --from staging --to prod [--api v1] [--release r-…] [--dry-run]`:
 * copies what the source stack serves live into the target's idle slots (and
 * the Fly release), edits only those pins in the target's stack file, and
 * prints the change. It never builds anything.
 */
import { parseArgs } from "node:util";
import { missingFlag, runCommand, UsageError } from "./cli.ts";
import { planPromotion } from "./promote.ts";
import { migrationsLookup } from "./release-platform.ts";
import { editStack, readStack, showChange, writeStack } from "./stack-file.ts";

const USAGE = "usage: npm run promote -- --from <stack> --to <stack> [--api <vN>]... [--release r-<12 hex>] [--dry-run]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      api: { type: "string", multiple: true },
      release: { type: "string" },
      "dry-run": { type: "boolean" },
      root: { type: "string" },
    },
  });
  if (!values.from) throw missingFlag("--from", "the stack to promote from, e.g. staging");
  if (!values.to) throw missingFlag("--to", "the stack to promote into, e.g. prod");
  if (values.from === values.to) throw new UsageError(`--from and --to are both ${values.from} (expected two stacks)`);
  const root = values.root ?? ".";
  const source = readStack(root, values.from);
  const target = readStack(root, values.to);
  // The migrations of what the source serves live and of what the target serves live decide migration releases.
  const liveOf = (config: typeof source.config, api: string) => config.apiVersions[api]!.slots[config.apiVersions[api]!.live].release;
  const shared = Object.keys(target.config.apiVersions).filter((api) => api in source.config.apiVersions);
  const releases = shared.flatMap((api) => [liveOf(source.config, api), liveOf(target.config, api)]);
  const plan = planPromotion(source.config, values.from, target.config, values.to, {
    ...(values.api ? { apis: values.api } : {}),
    ...(values.release ? { release: values.release } : {}),
    migrationsOf: await migrationsLookup(releases.filter((r) => r !== "local"), target.config, root),
  });
  process.stdout.write(`promote ${values.from} → ${values.to} (pins only, nothing rebuilt):\n${plan.lines.map((line) => `  ${line}`).join("\n")}\n`);
  if (plan.edits.length === 0) {
    process.stdout.write(`${target.path}: nothing to change\n`);
    return;
  }
  const edited = editStack(target, plan.edits);
  process.stdout.write(`${showChange(target, edited)}\n`);
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return;
  }
  writeStack(edited);
  for (const api of plan.migrationReleases) {
    process.stdout.write(`${api}: a migration release: the next pulumi up -s ${values.to} makes it live at 100% (no cutover step, no rollback past it)\n`);
  }
  process.stdout.write(`wrote ${target.path}\nnext: review the diff (npm run plan -- --stack ${values.to} --diff HEAD), pulumi up -s ${values.to}, then npm run cutover -- --stack ${values.to} --api <vN> --to <idle color>\n`);
});
