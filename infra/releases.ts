/**
 * Where the program finds the artifacts of a pinned release: the edge bundle
 * uploaded as a Worker version and the Modal sources deployed per color.
 *
 *   local       → the working tree: dist/edge/worker.js (npm run build:edge) and app/modal/
 *   r-<12 hex>  → the release cache: .releases/<id>/edge/worker.js and .releases/<id>/modal/
 *
 * The release cache is filled from the artifact store before `pulumi up` (a
 * later issue); this module only reads files.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EdgeBundle } from "./components/edge-worker.ts";

export interface ReleaseArtifacts {
  release: string;
  edgeBundle: EdgeBundle;
  /** Directory of the Modal sources (`*.py`), relative to the project root (or absolute). */
  modalSourceDir: string;
  /** True when the artifacts are stand-ins (offline plan only). */
  placeholder: boolean;
}

export interface ReleaseSource {
  resolve(release: string): ReleaseArtifacts;
}

export const WORKING_TREE = { edgeBundle: join("dist", "edge", "worker.js"), modalSourceDir: join("app", "modal") };
export const RELEASE_CACHE = ".releases";

export class ReleaseNotFoundError extends Error {
  constructor(release: string, missing: string) {
    const hint = release === "local" ? "build it with npm run build:edge" : `fetch release ${release} into ${RELEASE_CACHE}/ first`;
    super(`release ${release}: ${missing} does not exist (${hint})`);
    this.name = "ReleaseNotFoundError";
  }
}

function paths(release: string): { edge: string; modal: string } {
  if (release === "local") return { edge: WORKING_TREE.edgeBundle, modal: WORKING_TREE.modalSourceDir };
  return { edge: join(RELEASE_CACHE, release, "edge", "worker.js"), modal: join(RELEASE_CACHE, release, "modal") };
}

/** The real artifacts under the project root `root`; a missing one is an error. */
export function localReleases(root = "."): ReleaseSource {
  return {
    resolve(release) {
      const { edge, modal } = paths(release);
      for (const path of [edge, modal]) if (!existsSync(join(root, path))) throw new ReleaseNotFoundError(release, path);
      return { release, edgeBundle: { path: join(root, edge), mainModule: "worker.js" }, modalSourceDir: modal, placeholder: false };
    },
  };
}

/**
 * For the offline plan: the real artifacts where they exist, otherwise a
 * placeholder edge module and the working tree's Modal sources.
 */
export function placeholderReleases(root = "."): ReleaseSource {
  const real = localReleases(root);
  return {
    resolve(release) {
      try {
        return real.resolve(release);
      } catch (error) {
        if (!(error instanceof ReleaseNotFoundError)) throw error;
        const content = `// placeholder for release ${release}: its bundle is not on this machine\nexport default {};\n`;
        const modal = paths(release).modal;
        const modalSourceDir = existsSync(join(root, modal)) ? modal : WORKING_TREE.modalSourceDir;
        return { release, edgeBundle: { mainModule: "worker.js", content }, modalSourceDir, placeholder: true };
      }
    },
  };
}
