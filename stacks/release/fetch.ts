/**
 * `npm run release:fetch -- --stack prod`: makes every release a stack pins
 * present and verified in `.releases/`, downloading the missing ones from the
 * stack's artifact store. The Pulumi program does the same before it builds.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseStackFile } from "../load.ts";
import { pinnedReleases } from "../pins.ts";
import type { StackConfig } from "../schema.ts";
import { RELEASE_CACHE, type ReleaseManifest, verifyReleaseDir } from "./manifest.ts";
import { ArtifactStore } from "./store.ts";
import { runCommand, UsageError, missingFlag } from "../cli.ts";


export interface FetchedRelease {
  manifest: ReleaseManifest;
  /** Where it came from: the local cache or the store. */
  from: "cache" | "store";
}

/**
 * Verifies each pinned release in the cache and fetches the missing ones. The
 * store is opened only when a release is missing.
 */
export async function ensureReleases(config: StackConfig, root: string, env: NodeJS.ProcessEnv = process.env): Promise<Map<string, FetchedRelease>> {
  const cacheDir = join(root, RELEASE_CACHE);
  const found = new Map<string, FetchedRelease>();
  let store: ArtifactStore | undefined;
  try {
    for (const release of pinnedReleases(config)) {
      if (existsSync(join(cacheDir, release))) {
        found.set(release, { manifest: verifyReleaseDir(join(cacheDir, release), release), from: "cache" });
        continue;
      }
      if (!config.artifactStore) continue; // the schema already refuses pins without a store
      store ??= new ArtifactStore(config.artifactStore, env);
      found.set(release, { manifest: await store.fetch(release, cacheDir), from: "store" });
    }
  } finally {
    store?.destroy();
  }
  return found;
}

if (import.meta.main) {
  await runCommand("usage: npm run release:fetch -- --stack <name>", async () => {
    const { values } = parseArgs({ options: { stack: { type: "string", short: "s" } } });
    if (!values.stack) throw missingFlag("--stack");
    const { config } = parseStackFile(`Pulumi.${values.stack}.yaml`);
    const fetched = await ensureReleases(config, ".");
    for (const [release, { from }] of fetched) process.stdout.write(`${release}: ${from === "cache" ? "verified in" : "fetched into"} ${RELEASE_CACHE}/${release}\n`);
  });
}
