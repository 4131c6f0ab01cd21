/**
 * `npm run rollback -- --stack prod --api v1`: back to the traffic before the
 * last cutover, as it recorded it (see rollback.ts); a retry is a no-op that
 * says so; across a Durable Object migration it is refused (exit 3). Prints
 * the change and writes it.
 */
import { parseArgs } from "node:util";
import { runCommand, missingFlag } from "../cli.ts";
import { planRollback } from "../rollback.ts";
import { readStack, showChange, writeStack } from "../stack-file.ts";
import { describeTraffic } from "../traffic.ts";
import { inCi } from "../unread.ts";

const USAGE = "usage: npm run rollback -- --stack <name> --api <vN> [--dry-run]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({ options: { stack: { type: "string", short: "s" }, api: { type: "string" }, "dry-run": { type: "boolean" }, root: { type: "string" } } });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.api) throw missingFlag("--api", "e.g. v1");
  const root = values.root ?? ".";
  const current = readStack(root, values.stack);
  const plan = await planRollback(current, values.api, root, { strict: inCi() });
  if (plan.done) return void process.stdout.write(`${plan.message}\n`);
  const { before, back, edited, unchecked } = plan;
  if (unchecked) process.stdout.write(`note: ${unchecked}\n`);
  process.stdout.write(`${current.path} · apiVersions.${values.api}: ${describeTraffic(before)} → ${describeTraffic(back)} (${current.config.apiVersions[values.api]!.slots[back.live].release})\n`);
  process.stdout.write(`${showChange(current, edited)}\n`);
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return;
  }
  writeStack(edited);
  process.stdout.write(`wrote ${current.path}\nnext: pulumi up -s ${values.stack}\n`);
});
