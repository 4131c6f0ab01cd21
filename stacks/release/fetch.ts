/**
 * Makes every release a stack pins present and verified in `.releases/`,
 * downloading the missing ones from the stack's artifact store: what
 * `npm run release:fetch` does, and what the Pulumi program does before it builds.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pinnedReleases } from "../pins.ts";
import type { StackConfig } from "../schema.ts";
import { RELEASE_CACHE, type ReleaseManifest, verifyReleaseDir } from "./manifest.ts";
import { ArtifactStore } from "./store.ts";


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
