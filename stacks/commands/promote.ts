/**
 * `npm run promote -- --from staging --to prod [--api v1] [--release r-…] [--allow-breaking] [--dry-run]`:
 * copies what the source stack serves live into the target's idle slots (and
 * the Fly release), edits only those pins in the target's stack file, and
 * prints the change. It never builds anything. A release that breaks what the
 * target's API version serves live is refused (exit 4) unless --allow-breaking
 * is spelled out, and the target's Fly release must serve every pinned edge
 * release (compat/), and a release that contracts the Node database's schema
 * is refused (exit 3) while one from before it stays pinned in the target
 * (compat/schema-rule.ts). `--initial` is the target's first deploy: nothing is live
 * there yet, so the source's live release goes into both of its slots, and the
 * target's old pins (an example, or nothing real) are not read.
 */
import { parseArgs } from "node:util";
import { missingFlag, runCommand, UsageError } from "../cli.ts";
import { flyContract } from "../compat/fly-contract.ts";
import { checkAgainstLive, decidePins, type PinDecision } from "../compat/pin-policy.ts";
import { assertSchemaRule } from "../compat/schema-rule.ts";
import { releasePins } from "../pins.ts";
import { liveRelease, planPromotion } from "../promote.ts";
import { releaseLookup } from "../release-platform.ts";
import { inVersionOrder } from "../schema.ts";
import { editStack, readStack, showChange, writeStack } from "../stack-file.ts";
import { inCi } from "../unread.ts";

const USAGE = "usage: npm run promote -- --from <stack> --to <stack> [--api <vN>]... [--release r-<12 hex>] [--initial] [--allow-breaking] [--dry-run]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      api: { type: "string", multiple: true },
      release: { type: "string" },
      "allow-breaking": { type: "boolean" },
      initial: { type: "boolean" },
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
  const shared = inVersionOrder(Object.keys(target.config.apiVersions).filter((api) => api in source.config.apiVersions));
  // A first deploy replaces the target's pins, which name nothing live: only the source's are read.
  const pinned = [...releasePins(source.config), ...(values.initial ? [] : releasePins(target.config))].map((pin) => pin.release);
  const lookup = await releaseLookup(pinned, target.config, root);
  const plan = planPromotion(source.config, values.from, target.config, values.to, {
    ...(values.api ? { apis: values.api } : {}),
    ...(values.release ? { release: values.release } : {}),
    migrationsOf: (release) => lookup.get(release)?.worker.migrations,
    schemaOf: (release) => lookup.get(release)?.nodeSchema,
    whyUnread: (release) => lookup.why(release),
    strict: inCi(),
    command: "promote",
    ...(values.initial ? { initial: true } : {}),
  });
  // Each promoted release against what the target's API version serves live: promotion names its versions, so each must take it.
  const promoted = inVersionOrder(values.api ?? shared);
  const decision: PinDecision = values.initial ? { apis: promoted, leftBehind: [], allowedBreaking: {}, lines: [] } : decidePins({
    config: target.config,
    stack: values.to,
    checks: promoted.map((api) => checkAgainstLive(target.config, api, liveRelease(source.config, values.from!, api), lookup)),
    named: true,
    allowBreaking: values["allow-breaking"] === true,
    command: "promote",
    strict: inCi(),
  });
  const edited = editStack(target, plan.edits);
  plan.lines.unshift(...decision.lines);
  plan.lines.push(...flyContract(edited.config, lookup).map((note) => `note: ${note}`));
  // A first deploy does not read the target's old pins: those left in API versions not promoted are noted, not refused.
  plan.lines.push(...assertSchemaRule(edited.config, lookup, { command: "promote", strict: inCi() && !values.initial }).map((note) => `note: ${note}`));
  process.stdout.write(`promote ${values.from} → ${values.to} (pins only, nothing rebuilt):\n${plan.lines.map((line) => `  ${line}`).join("\n")}\n`);
  if (plan.edits.length === 0) {
    process.stdout.write(`${target.path}: nothing to change\n`);
    return;
  }
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
