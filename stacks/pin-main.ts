/**
 * `npm run pin -- --stack staging --release r-… [--api v1] [--json]`: puts a
 * release into the idle slot of each API version (and the Fly release) of one
 * stack, as the deploy pipeline does after building it. Edits only those pins.
 * A migration release goes into both slots (see promote.ts); `--json` prints
 * `{ "migrationReleases": [api…] }` last, for the pipeline to deploy those whole.
 */
import { parseArgs } from "node:util";
import { RELEASE_PATTERN } from "./schema.ts";
import { missingFlag, runCommand, UsageError } from "./cli.ts";
import { pinFly, pinToIdle } from "./promote.ts";
import { migrationsLookup } from "./release-platform.ts";
import { editStack, readStack, showChange, writeStack } from "./stack-file.ts";

const USAGE = "usage: npm run pin -- --stack <name> --release r-<12 hex> [--api <vN>]... [--dry-run] [--json]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", short: "s" },
      release: { type: "string" },
      api: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      root: { type: "string" },
    },
  });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.release) throw missingFlag("--release", "e.g. the id npm run release:build printed");
  if (!RELEASE_PATTERN.test(values.release) || values.release === "local") throw new UsageError(`--release: ${JSON.stringify(values.release)} is not a release id (expected r-<12 hex>)`);
  const root = values.root ?? ".";
  const target = readStack(root, values.stack);
  const apis = values.api ?? Object.keys(target.config.apiVersions);
  const liveReleases = apis.flatMap((api) => {
    const version = target.config.apiVersions[api];
    return version ? [version.slots[version.live].release] : [];
  });
  const migrationsOf = await migrationsLookup([values.release, ...liveReleases], target.config, root);
  const idle = pinToIdle(target.config, values.stack, values.release, apis, migrationsOf);
  const fly = pinFly(target.config, values.release);
  const edits = [...idle.edits, ...fly.edits];
  const summary = () => values.json && process.stdout.write(`${JSON.stringify({ migrationReleases: idle.migrationReleases })}\n`);
  process.stdout.write(`pin ${values.release} in ${values.stack}:\n${[...idle.lines, ...fly.lines].map((line) => `  ${line}`).join("\n")}\n`);
  if (edits.length === 0) return void summary();
  const edited = editStack(target, edits);
  process.stdout.write(`${showChange(target, edited)}\n`);
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return void summary();
  }
  writeStack(edited);
  process.stdout.write(`wrote ${target.path}\n`);
  summary();
});
