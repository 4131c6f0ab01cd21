/**
 * The releases that exist, for an error that says what could have been meant:
 * the ones built or fetched here (`.releases/`) and the ones published to the
 * stack's artifact store, when it can be read.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { StackConfig } from "../schema.ts";
import { RELEASE_CACHE } from "./manifest.ts";
import { ArtifactStore } from "./store.ts";

export interface KnownReleases {
  local: string[];
  /** Undefined when the store could not be listed; `storeProblem` says why. */
  published: string[] | undefined;
  storeProblem?: string;
}

export async function knownReleases(config: StackConfig, root: string, env: NodeJS.ProcessEnv = process.env): Promise<KnownReleases> {
  let local: string[] = [];
  try {
    local = readdirSync(join(root, RELEASE_CACHE)).filter((name) => /^r-[0-9a-f]{12}$/.test(name)).sort();
  } catch {
    // No release built here yet.
  }
  if (!config.artifactStore) return { local, published: undefined, storeProblem: "the stack has no artifactStore" };
  try {
    const store = new ArtifactStore(config.artifactStore, env);
    try {
      return { local, published: await store.list() };
    } finally {
      store.destroy();
    }
  } catch (error) {
    return { local, published: undefined, storeProblem: (error as Error).message };
  }
}

/** One line: the releases built or fetched here, and those published when the store could be listed. */
export function describeKnown(known: KnownReleases): string {
  const list = (ids: string[]) => (ids.length > 0 ? ids.join(", ") : "none");
  const published = known.published === undefined ? "" : `; published: ${list(known.published)}`;
  return `here (.releases/): ${list(known.local)}${published}`;
}
