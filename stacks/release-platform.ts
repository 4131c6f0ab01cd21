/**
 * The Worker platform needs (Durable Object migrations) of a pinned release,
 * for checks made before anything is deployed: the working tree for `local`,
 * the verified release folder if it is here, else the manifest in the
 * artifact store.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type DurableObjectMigration, RELEASE_CACHE, verifyReleaseDir, type WorkerPlatform } from "./release/manifest.ts";
import { ArtifactStore, ArtifactStoreError } from "./release/store.ts";
import { workingTreePlatform } from "../infra/releases.ts";
import { UsageError } from "./cli.ts";
import type { SlotMigrations } from "./migrations.ts";
import type { Color, StackConfig } from "./schema.ts";

export async function releasePlatform(release: string, config: StackConfig, root: string, env: NodeJS.ProcessEnv = process.env): Promise<WorkerPlatform> {
  if (release === "local") return workingTreePlatform(root);
  const dir = join(root, RELEASE_CACHE, release);
  if (existsSync(dir)) return verifyReleaseDir(dir, release).worker;
  if (!config.artifactStore) throw new ArtifactStoreError(`release ${release} is not in ${RELEASE_CACHE}/ and the stack has no artifactStore`);
  const store = new ArtifactStore(config.artifactStore, env);
  try {
    const manifest = await store.manifest(release);
    if (!manifest) throw new ArtifactStoreError(`release ${release} is neither in ${RELEASE_CACHE}/ nor in ${store.where}`);
    return manifest.worker;
  } finally {
    store.destroy();
  }
}

/**
 * The migrations of the release in `color`'s slot of `api`, for a check made
 * before the stack file changes; a release that cannot be read is a user error
 * that says how to get it.
 */
export async function slotMigrationsOf(config: StackConfig, stack: string, api: string, color: Color, root: string, purpose: string): Promise<SlotMigrations> {
  const release = config.apiVersions[api]!.slots[color].release;
  try {
    return { color, release, migrations: (await releasePlatform(release, config, root)).migrations };
  } catch (error) {
    if (!(error instanceof Error) || !["ArtifactStoreError", "ReleaseIntegrityError"].includes(error.name)) throw error;
    throw new UsageError(`${purpose}: cannot read the Durable Object migrations of ${release}: ${error.message} (expected it in .releases/: npm run release:fetch -- --stack ${stack})`);
  }
}

/**
 * The Durable Object migrations of each of `releases`, read once; a release
 * that cannot be read here maps to undefined (the pin is then made without the
 * comparison, and `pulumi up` makes it).
 */
export async function migrationsLookup(releases: readonly string[], config: StackConfig, root: string): Promise<(release: string) => readonly DurableObjectMigration[] | undefined> {
  const known = new Map<string, readonly DurableObjectMigration[] | undefined>();
  await Promise.all(
    [...new Set(releases)].map(async (release) => {
      try {
        known.set(release, (await releasePlatform(release, config, root)).migrations);
      } catch (error) {
        if (!(error instanceof Error) || !["ArtifactStoreError", "ReleaseIntegrityError"].includes(error.name)) throw error;
        known.set(release, undefined);
      }
    }),
  );
  return (release) => known.get(release);
}
