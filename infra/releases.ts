/**
 * Where the program finds the artifacts of a pinned release: the edge bundle
 * uploaded as a Worker version, the Modal sources deployed per color, and the
 * Worker's platform needs (its Durable Object migrations).
 *
 *   local       → the working tree: dist/edge/worker.js (npm run build:edge;
 *                 refused when older than the sources, local-bundle.ts),
 *                 app/modal/ and app/src/runtimes/worker/platform.json
 *   r-<12 hex>  → the release cache .releases/<id>/, filled from the artifact
 *                 store (release/fetch.ts); every file is checked against the
 *                 release's manifest, and a mismatch stops the program
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EDGE_BUNDLE_PATH, FLY_TREE_PATH, MODAL_DIR, RELEASE_CACHE, type ReleaseManifest, sha256, verifyReleaseDir, type WorkerPlatform, workerPlatformSchema } from "../stacks/release/manifest.ts";
import type { EdgeBundle } from "./components/edge-worker.ts";
import { packReleaseTree } from "../app/src/runtimes/release-host/release-tree.ts";
import { describeLocalBundle, LocalBundleError, localBundleState, LOCAL_BUNDLE } from "./local-bundle.ts";

export interface ReleaseArtifacts {
  release: string;
  edgeBundle: EdgeBundle;
  /** Directory of the Modal sources (`*.py`), relative to the project root (or absolute). */
  modalSourceDir: string;
  /** The Worker's platform needs; undefined when not known (a placeholder). */
  worker: WorkerPlatform | undefined;
  /** The verified manifest of a pinned release; undefined for `local` and placeholders. */
  manifest: ReleaseManifest | undefined;
  /** True when the artifacts are stand-ins (offline plan only). */
  placeholder: boolean;
  /**
   * The Fly server's code as one file, for machines whose image is another
   * release's; undefined for a release built before it was packed.
   */
  flyTree: { sha256: string; read(): Buffer } | undefined;
}

export interface ReleaseSource {
  resolve(release: string): ReleaseArtifacts;
}

export const WORKING_TREE = {
  edgeBundle: LOCAL_BUNDLE,
  modalSourceDir: join("app", "modal"),
  platform: join("app", "src", "runtimes", "worker", "platform.json"),
};
export { RELEASE_CACHE };

export class ReleaseNotFoundError extends Error {
  constructor(release: string, missing: string) {
    const hint = release === "local" ? "build it with npm run build:edge" : `fetch it with npm run release:fetch, or build it with npm run release:build`;
    super(`release ${release}: ${missing} does not exist (${hint})`);
    this.name = "ReleaseNotFoundError";
  }
}

export function workingTreePlatform(root: string): WorkerPlatform {
  return workerPlatformSchema.parse(JSON.parse(readFileSync(join(root, WORKING_TREE.platform), "utf8")));
}

/** The real artifacts under the project root `root`; a missing or changed one is an error. */
export function localReleases(root = "."): ReleaseSource {
  const verified = new Map<string, ReleaseManifest>();
  return {
    resolve(release) {
      if (release === "local") {
        for (const path of [WORKING_TREE.edgeBundle, WORKING_TREE.modalSourceDir]) {
          if (!existsSync(join(root, path))) throw new ReleaseNotFoundError(release, path);
        }
        // Built before the tree was last edited, it is not the working tree: refused, never used as is.
        const bundle = localBundleState(root);
        if (bundle.state === "stale") throw new LocalBundleError(describeLocalBundle(bundle));
        return {
          release,
          edgeBundle: { path: join(root, WORKING_TREE.edgeBundle), mainModule: "worker.js" },
          modalSourceDir: WORKING_TREE.modalSourceDir,
          worker: workingTreePlatform(root),
          manifest: undefined,
          placeholder: false,
          flyTree: workingTreeFlyTree(root),
        };
      }
      const dir = join(RELEASE_CACHE, release);
      if (!existsSync(join(root, dir))) throw new ReleaseNotFoundError(release, join(dir, EDGE_BUNDLE_PATH));
      let manifest = verified.get(release);
      if (!manifest) {
        manifest = verifyReleaseDir(join(root, dir), release);
        verified.set(release, manifest);
      }
      return {
        release,
        edgeBundle: { path: join(root, dir, EDGE_BUNDLE_PATH), mainModule: "worker.js" },
        modalSourceDir: join(dir, MODAL_DIR),
        worker: manifest.worker,
        manifest,
        placeholder: false,
        flyTree: flyTreeOf(join(root, dir), manifest),
      };
    },
  };
}

/** The working tree's Fly server code, packed when the program needs it (once). */
function workingTreeFlyTree(root: string): ReleaseArtifacts["flyTree"] {
  let packed: Buffer | undefined;
  const read = () => (packed ??= packReleaseTree(root));
  return {
    get sha256() {
      return sha256(read());
    },
    read,
  };
}

/** A built release's packed Fly server code, checked against its manifest when read. */
function flyTreeOf(dir: string, manifest: ReleaseManifest): ReleaseArtifacts["flyTree"] {
  const recorded = manifest.artifacts[FLY_TREE_PATH];
  if (!recorded) return undefined;
  return { sha256: recorded.sha256, read: () => readFileSync(join(dir, FLY_TREE_PATH)) };
}

/**
 * For the offline plan: the real artifacts where they exist, otherwise a
 * placeholder edge module (one per release id, so a changed pin still shows)
 * and the working tree's Modal sources. A placeholder's Durable Object
 * migrations are unknown.
 */
export function placeholderReleases(root = "."): ReleaseSource {
  const real = localReleases(root);
  return {
    resolve(release) {
      try {
        return real.resolve(release);
      } catch (error) {
        // The working tree is always here: its bundle is built (plan builds it first), never stood in for.
        if (!(error instanceof ReleaseNotFoundError) || release === "local") throw error;
        const content = `// placeholder for release ${release}: its bundle is not on this machine\nexport default {};\n`;
        return {
          release,
          edgeBundle: { mainModule: "worker.js", content },
          modalSourceDir: WORKING_TREE.modalSourceDir,
          worker: undefined,
          manifest: undefined,
          placeholder: true,
          // Stands in for a tree not on this machine: the plan shows where it would go, by a hash of nothing.
          flyTree: { sha256: "0".repeat(64), read: () => Buffer.alloc(0) },
        };
      }
    },
  };
}
