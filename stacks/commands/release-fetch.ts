/**
 * `npm run release:fetch -- --stack <name>`: makes every release the stack pins
 * present and verified in `.releases/`, fetching missing ones from its artifact
 * store (stacks/release/fetch.ts).
 */
import { parseArgs } from "node:util";
import { missingFlag, runCommand } from "../cli.ts";
import { parseStackFile } from "../load.ts";
import { ensureReleases } from "../release/fetch.ts";
import { RELEASE_CACHE } from "../release/manifest.ts";

await runCommand("usage: npm run release:fetch -- --stack <name>", async () => {
  const { values } = parseArgs({ options: { stack: { type: "string", short: "s" } } });
  if (!values.stack) throw missingFlag("--stack");
  const { config } = parseStackFile(`Pulumi.${values.stack}.yaml`);
  const fetched = await ensureReleases(config, ".");
  for (const [release, { from }] of fetched) process.stdout.write(`${release}: ${from === "cache" ? "verified in" : "fetched into"} ${RELEASE_CACHE}/${release}\n`);
});
