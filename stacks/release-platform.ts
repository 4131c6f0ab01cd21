/**
 * What the checks made before anything is deployed need of a pinned release:
 * its Worker platform needs (Durable Object migrations), its tool list, its
 * MCP surface and its Node schema. Read from the working tree for `local`, from the verified
 * release folder if it is here, else from the manifest in the artifact store.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { summariseSchema } from "../app/src/state/migration-kind.ts";
import { NODE_MIGRATIONS } from "../app/src/state/schema.ts";
import { prompts, resources, tools as registry } from "../app/src/tools/index.ts";
import { MODAL_REQUIREMENTS_FILE } from "../app/src/tools/modal-compute.ts";
import { flyInputsSha256 } from "./release/fly-inputs.ts";
import { flyRuntimeSha256 } from "./release/fly-runtime.ts";
import { workingTreePlatform } from "../infra/releases.ts";
import { UsageError } from "./cli.ts";
import type { SlotMigrations } from "./migrations.ts";
import { manifestTools, RELEASE_CACHE, type ReleaseManifest, sha256, verifyReleaseDir } from "./release/manifest.ts";
import { registrySurface } from "./release/read-surface.ts";
import { ArtifactStore, ArtifactStoreError } from "./release/store.ts";
import type { Color, StackConfig } from "./schema.ts";

/** A release as the checks see it; `surface` and `nodeSchema` are undefined for a manifest built before they were recorded. */
export type ReleaseRecord = Pick<ReleaseManifest, "release" | "worker" | "tools" | "surface" | "nodeSchema"> & { fly?: ReleaseManifest["fly"]; artifacts?: ReleaseManifest["artifacts"] };

export interface RecordSources {
  /** Read manifests from the artifact store when a release is not in `.releases/`. @default true */
  store?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The record of `release`; throws ArtifactStoreError or ReleaseIntegrityError when it cannot be read here. */
export async function releaseRecord(release: string, config: StackConfig, root: string, sources: RecordSources = {}): Promise<ReleaseRecord> {
  if (release === "local") {
    const tools = manifestTools(registry);
    const surface = await registrySurface({ tools: registry, prompts, resources });
    const fly = { image: "", inputsSha256: flyInputsSha256(root), runtimeSha256: flyRuntimeSha256(root) };
    // A tree without the lock (one made before it) compares no packages.
    const lock = join(root, "app", "modal", MODAL_REQUIREMENTS_FILE);
    const requirements = existsSync(lock) ? readFileSync(lock) : undefined;
    const artifacts: ReleaseManifest["artifacts"] = requirements ? { [`modal/${MODAL_REQUIREMENTS_FILE}`]: { sha256: sha256(requirements), bytes: requirements.length } } : {};
    return { release, worker: workingTreePlatform(root), tools, surface, nodeSchema: summariseSchema(NODE_MIGRATIONS), fly, artifacts };
  }
  const dir = join(root, RELEASE_CACHE, release);
  if (existsSync(dir)) return verifyReleaseDir(dir, release);
  const absent = `release ${release} is not in ${RELEASE_CACHE}/`;
  const hint = "(expected it built here with npm run release:build, or published with npm run release:publish and fetched with npm run release:fetch)";
  if (sources.store === false) throw new ArtifactStoreError(`${absent} ${hint}`);
  if (!config.artifactStore) throw new ArtifactStoreError(`${absent}, and the stack has no artifactStore to look in ${hint}`);
  let store: ArtifactStore;
  try {
    store = new ArtifactStore(config.artifactStore, sources.env ?? process.env);
  } catch (error) {
    if (!isUnreadable(error)) throw error;
    throw new ArtifactStoreError(`${absent}, and ${error.message}`);
  }
  try {
    const manifest = await store.manifest(release);
    if (!manifest) throw new ArtifactStoreError(`release ${release} is neither in ${RELEASE_CACHE}/ nor in ${store.where} ${hint}`);
    return manifest;
  } finally {
    store.destroy();
  }
}

/** Whether `error` says a release cannot be read here (as opposed to a bug). */
export function isUnreadable(error: unknown): error is Error {
  return error instanceof Error && ["ArtifactStoreError", "ReleaseIntegrityError"].includes(error.name);
}

/**
 * The migrations of the release in `color`'s slot of `api`, for a check made
 * before the stack file changes; a release that cannot be read is a user error
 * that says how to get it.
 */
export async function slotMigrationsOf(config: StackConfig, stack: string, api: string, color: Color, root: string, purpose: string): Promise<SlotMigrations> {
  const release = config.apiVersions[api]!.slots[color].release;
  try {
    return { color, release, migrations: (await releaseRecord(release, config, root)).worker.migrations };
  } catch (error) {
    if (!isUnreadable(error)) throw error;
    throw new UsageError(`${purpose}: cannot read the Durable Object migrations of ${release}: ${error.message} (expected it in .releases/: npm run release:fetch -- --stack ${stack})`);
  }
}

/** Releases read once each; one that cannot be read here is undefined, with the reason kept. */
export interface ReleaseLookup {
  get(release: string): ReleaseRecord | undefined;
  /** Why `release` could not be read, if it could not. */
  why(release: string): string | undefined;
}

export async function releaseLookup(releases: readonly string[], config: StackConfig, root: string, sources: RecordSources = {}): Promise<ReleaseLookup> {
  const known = new Map<string, ReleaseRecord>();
  const problems = new Map<string, string>();
  await Promise.all(
    [...new Set(releases)].map(async (release) => {
      try {
        known.set(release, await releaseRecord(release, config, root, sources));
      } catch (error) {
        if (!isUnreadable(error)) throw error;
        problems.set(release, error.message);
      }
    }),
  );
  return { get: (release) => known.get(release), why: (release) => problems.get(release) };
}
