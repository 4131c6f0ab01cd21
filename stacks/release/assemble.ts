/**
 * Writes a release folder from its content: computes every artifact's sha256,
 * the release id, and the manifest, then moves the folder into place in one
 * rename. A release that is already there is verified and kept: releases are
 * immutable, so the first build of a content wins.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  EDGE_BUNDLE_PATH,
  FLY_TREE_PATH,
  MANIFEST_FILE,
  MODAL_DIR,
  type ReleaseManifest,
  releaseIdOf,
  sha256,
  verifyReleaseDir,
  type WorkerPlatform,
} from "./manifest.ts";
import { MODAL_REQUIREMENTS_FILE } from "../../app/src/tools/modal-compute.ts";
import { TOOL_SCHEMAS_FILE } from "../../app/src/tools/tool-schemas.ts";

export interface ReleaseContent {
  /** The Worker bundle (one ES module). */
  edgeBundle: Buffer;
  /** Modal sources by file name, e.g. `{ "modal_app.py": … }`, and the tools' `tool_schemas.json`. */
  modalSources: Record<string, Buffer>;
  /** sha256 over the files the Fly image is built from. */
  flyInputsSha256: string;
  /** sha256 over the host runtime part of those (all but app/src). @default not recorded */
  flyRuntimeSha256?: string;
  /** The Fly server's code as one file, for machines whose image is another release's. @default none (older builds) */
  flyServerTree?: Buffer;
  worker: WorkerPlatform;
  tools: ReleaseManifest["tools"];
  /** The MCP surface, as the server lists it (read-surface.ts). */
  surface?: ReleaseManifest["surface"];
  /** The Node database's schema version and contracting migrations (app/src/state/migration-kind.ts). */
  nodeSchema?: ReleaseManifest["nodeSchema"];
  gitCommit: string;
  dirty: boolean;
}

export interface AssembledRelease {
  manifest: ReleaseManifest;
  dir: string;
  /** False when the same content was already there. */
  created: boolean;
}

/** The Fly image of a release, with `<app>` for the stack's app. */
export function flyImageTemplate(release: string): string {
  return `registry.fly.io/<app>:${release}`;
}

export function assembleRelease(content: ReleaseContent, cacheDir: string, now = new Date()): AssembledRelease {
  const files = new Map<string, Buffer>([[EDGE_BUNDLE_PATH, content.edgeBundle]]);
  if (content.flyServerTree) files.set(FLY_TREE_PATH, content.flyServerTree);
  for (const [name, bytes] of Object.entries(content.modalSources).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!/^[A-Za-z0-9_.-]+\.py$/.test(name) && name !== TOOL_SCHEMAS_FILE && name !== MODAL_REQUIREMENTS_FILE) {
      throw new Error(`Modal source ${JSON.stringify(name)}: expected a *.py file name, ${TOOL_SCHEMAS_FILE} or ${MODAL_REQUIREMENTS_FILE}`);
    }
    files.set(`${MODAL_DIR}/${name}`, bytes);
  }
  const artifacts = Object.fromEntries([...files].map(([path, bytes]) => [path, { sha256: sha256(bytes), bytes: bytes.length }]));
  const fly: ReleaseManifest["fly"] = { image: "", inputsSha256: content.flyInputsSha256 };
  const release = releaseIdOf({ artifacts, fly, worker: content.worker });
  // Recorded after the id: app/src and the runtime are both inside the Fly inputs the id already covers.
  if (content.flyRuntimeSha256) fly.runtimeSha256 = content.flyRuntimeSha256;
  fly.image = flyImageTemplate(release);
  const manifest: ReleaseManifest = {
    release,
    gitCommit: content.gitCommit,
    dirty: content.dirty,
    builtAt: now.toISOString(),
    artifacts,
    fly,
    worker: content.worker,
    tools: content.tools,
    ...(content.surface ? { surface: content.surface } : {}),
    ...(content.nodeSchema ? { nodeSchema: content.nodeSchema } : {}),
  };

  const dir = join(cacheDir, release);
  if (existsSync(dir)) return { manifest: verifyReleaseDir(dir, release), dir, created: false };

  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(cacheDir, `.${release}-`));
  try {
    for (const [path, bytes] of files) {
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      writeFileSync(join(staging, path), bytes);
    }
    writeFileSync(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return { manifest, dir, created: true };
}
