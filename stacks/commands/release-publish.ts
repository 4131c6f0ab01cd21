/**
 * `npm run release:publish -- --stack staging [--release r-…]`: uploads built
 * releases from `.releases/` to the stack's artifact store (every local release
 * by default). Each is verified against its manifest before it leaves the
 * machine; one already published with the same artifacts is skipped.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runCommand, UsageError, missingFlag } from "../cli.ts";
import { parseStackFile } from "../load.ts";
import { RELEASE_CACHE } from "../release/manifest.ts";
import { ArtifactStore } from "../release/store.ts";

const USAGE = "usage: npm run release:publish -- --stack <name> [--release r-<12 hex>]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({ options: { stack: { type: "string", short: "s" }, release: { type: "string", multiple: true } } });
  if (!values.stack) throw missingFlag("--stack", "its artifactStore names the bucket");
  const { config } = parseStackFile(`Pulumi.${values.stack}.yaml`);
  if (!config.artifactStore) throw new UsageError(`Pulumi.${values.stack}.yaml has no artifactStore (expected artifactStore.bucket and artifactStore.region)`);
  const local = existsSync(RELEASE_CACHE) ? readdirSync(RELEASE_CACHE).filter((name) => /^r-[0-9a-f]{12}$/.test(name)) : [];
  const releases = values.release ?? local;
  if (releases.length === 0) throw new UsageError(`no release in ${RELEASE_CACHE}/ (expected one built with npm run release:build)`);
  const store = new ArtifactStore(config.artifactStore);
  try {
    for (const release of releases) {
      if (!local.includes(release)) throw new UsageError(`release ${release} is not in ${RELEASE_CACHE}/ (expected one built with npm run release:build)`);
      const { manifest, uploaded } = await store.publish(join(RELEASE_CACHE, release));
      const files = Object.keys(manifest.artifacts).length + 1;
      process.stdout.write(`${release}: ${uploaded ? `published ${files} files to` : "already in"} ${store.where}${release}/\n`);
    }
  } finally {
    store.destroy();
  }
});
