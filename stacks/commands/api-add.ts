/**
 * `npm run api:add -- --stack <name> --api v3 [--from v2] [--dry-run]`: adds an
 * API version to the stack file (stacks/api-add.ts), with comments and key
 * order kept and the result validated by the schema, and prints the change.
 */
import { parseArgs } from "node:util";
import { addApiVersion } from "../api-add.ts";
import { missingFlag, runCommand } from "../cli.ts";
import { editStack, readStack, showChange, writeStack } from "../stack-file.ts";

const USAGE = "usage: npm run api:add -- --stack <name> --api <vN> [--from <vN>] [--dry-run]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", short: "s" },
      api: { type: "string" },
      from: { type: "string" },
      "dry-run": { type: "boolean" },
      root: { type: "string" },
    },
  });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.api) throw missingFlag("--api", "the new API version, e.g. v2");
  const root = values.root ?? ".";
  const current = readStack(root, values.stack);
  const { edits, from, release } = addApiVersion(current.config, values.stack, values.api, values.from);
  const edited = editStack(current, edits);
  process.stdout.write(
    `${current.path} · apiVersions.${values.api}: a new API version at ${edited.config.apiVersions[values.api]!.route}, serving what ${from} serves live (${release}) in both slots, in preview until its first full cutover\n` +
      `${showChange(current, edited)}\n`,
  );
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return;
  }
  writeStack(edited);
  process.stdout.write(
    `wrote ${current.path}\n` +
      `next: npm run plan -- --stack ${values.stack} --diff HEAD (the new Worker, its route and Modal apps, nothing else), ` +
      `npm run pin -- --stack ${values.stack} --release <r-…> --api ${values.api}, then npm run cutover -- --stack ${values.stack} --api ${values.api} --to <idle color>\n`,
  );
});
