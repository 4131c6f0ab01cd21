/**
 * The Worker platform needs (Durable Object migrations) of a pinned release,
 * for checks made before anything is deployed: the working tree for `local`,
 * the verified release folder if it is here, else the manifest in the
 * artifact store.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RELEASE_CACHE, verifyReleaseDir, type WorkerPlatform } from "./release/manifest.ts";
import { ArtifactStore, ArtifactStoreError } from "./release/store.ts";
import { workingTreePlatform } from "../infra/releases.ts";
import type { StackConfig } from "./schema.ts";

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
