/**
 * `npm run pin -- --stack staging --release r-… [--api v1]`: puts a release into
 * the idle slot of each API version (and the Fly release) of one stack, as the
 * deploy pipeline does after building it. Edits only those pins.
 */
import { parseArgs } from "node:util";
import { RELEASE_PATTERN } from "./schema.ts";
import { missingFlag, runCommand, UsageError } from "./cli.ts";
import { pinFly, pinToIdle } from "./promote.ts";
import { editStack, readStack, showChange, writeStack } from "./stack-file.ts";

const USAGE = "usage: npm run pin -- --stack <name> --release r-<12 hex> [--api <vN>]... [--dry-run]";

await runCommand(USAGE, () => {
  const { values } = parseArgs({
    options: { stack: { type: "string", short: "s" }, release: { type: "string" }, api: { type: "string", multiple: true }, "dry-run": { type: "boolean" }, root: { type: "string" } },
  });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.release) throw missingFlag("--release", "e.g. the id npm run release:build printed");
  if (!RELEASE_PATTERN.test(values.release) || values.release === "local") throw new UsageError(`--release: ${JSON.stringify(values.release)} is not a release id (expected r-<12 hex>)`);
  const target = readStack(values.root ?? ".", values.stack);
  const apis = values.api ?? Object.keys(target.config.apiVersions);
  const idle = pinToIdle(target.config, values.stack, values.release, apis);
  const fly = pinFly(target.config, values.release);
  const edits = [...idle.edits, ...fly.edits];
  process.stdout.write(`pin ${values.release} in ${values.stack}:\n${[...idle.lines, ...fly.lines].map((line) => `  ${line}`).join("\n")}\n`);
  if (edits.length === 0) return;
  const edited = editStack(target, edits);
  process.stdout.write(`${showChange(target, edited)}\n`);
  if (values["dry-run"]) return void process.stdout.write("dry run: nothing written\n");
  writeStack(edited);
  process.stdout.write(`wrote ${target.path}\n`);
});
