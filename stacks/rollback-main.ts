/**
 * `npm run rollback -- --stack prod --api v1`: the cutover edit back. A canary
 * returns all traffic to the live color; a completed cutover makes the color
 * that was live before live again. Prints the change and writes it.
 */
import { parseArgs } from "node:util";
import { runCommand, UsageError, missingFlag } from "./cli.ts";
import { editStack, readStack, showChange, writeStack } from "./stack-file.ts";
import { describeTraffic, rollbackTraffic, trafficEdits, trafficOf } from "./traffic.ts";

const USAGE = "usage: npm run rollback -- --stack <name> --api <vN> [--dry-run]";

await runCommand(USAGE, () => {
  const { values } = parseArgs({ options: { stack: { type: "string", short: "s" }, api: { type: "string" }, "dry-run": { type: "boolean" }, root: { type: "string" } } });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.api) throw missingFlag("--api", "e.g. v1");
  const current = readStack(values.root ?? ".", values.stack);
  const version = current.config.apiVersions[values.api];
  if (!version) throw new UsageError(`--api ${values.api}: ${current.path} has no such API version (expected one of ${Object.keys(current.config.apiVersions).join(", ")})`);
  const before = trafficOf(version);
  const back = rollbackTraffic(before);
  const edited = editStack(current, trafficEdits(values.api, back));
  process.stdout.write(`${current.path} · apiVersions.${values.api}: ${describeTraffic(before)} → ${describeTraffic(back)} (${version.slots[back.live].release})\n`);
  process.stdout.write(`${showChange(current, edited)}\n`);
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return;
  }
  writeStack(edited);
  process.stdout.write(`wrote ${current.path}\nnext: pulumi up -s ${values.stack}\n`);
});
