/**
 * The cache of unpacked release trees on a machine's volume: one folder per
 * release and content, `<cacheDir>/<release>-<first 12 of sha256>`. A whole
 * folder is reused across restarts without a fetch; a folder that is not whole
 * (a file lost, a link to another node_modules) is replaced.
 */
import { randomBytes } from "node:crypto";
import { existsSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { incompleteReason, ReleaseTreeError, unpackReleaseTree } from "./release-tree.ts";

export interface EnsureReleaseTreeOptions {
  /** The release id; it names the folder. @example "r-3f9a0c2b7d41" */
  release: string;
  /** The sha256 (hex) the pack must have. */
  sha256: string;
  /** The folder holding every unpacked tree, on the volume. @example "/data/release-trees" */
  cacheDir: string;
  /** The node_modules the tree imports its npm packages from. @example "/srv/node_modules" */
  nodeModules: string;
  /** The pack's bytes, e.g. from S3; called only when no whole tree is cached. */
  fetchTree: () => Promise<Buffer>;
}

/** Unpacks in progress by folder: callers asking for the same tree meanwhile share one fetch. */
const unpacking = new Map<string, Promise<string>>();

/** The folder of the release's tree, fetched and unpacked unless a whole one is cached. */
export function ensureReleaseTree(options: EnsureReleaseTreeOptions): Promise<string> {
  // The release names a folder: nothing in it may reach outside the cache.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(options.release)) {
    return Promise.reject(new ReleaseTreeError(`release ${JSON.stringify(options.release)}: expected letters, digits, ".", "_" and "-" only`));
  }
  const sha256 = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) return Promise.reject(new ReleaseTreeError(`release ${options.release}: sha256 ${JSON.stringify(options.sha256)} is not 64 hex digits`));
  const dir = join(resolve(options.cacheDir), `${options.release}-${sha256.slice(0, 12)}`);
  const pending = unpacking.get(dir);
  if (pending) return pending;
  const unpacked = fetchAndUnpack(dir, sha256, options).finally(() => unpacking.delete(dir));
  unpacking.set(dir, unpacked);
  return unpacked;
}

async function fetchAndUnpack(dir: string, sha256: string, options: EnsureReleaseTreeOptions): Promise<string> {
  if (incompleteReason(dir, sha256, options.nodeModules) === undefined) return dir;
  // Not whole: moved aside in one step before it is removed, so no one sees it half deleted.
  if (existsSync(dir)) {
    const discarded = join(dirname(dir), `.${basename(dir)}.discarded-${process.pid}-${randomBytes(4).toString("hex")}`);
    renameSync(dir, discarded);
    rmSync(discarded, { recursive: true, force: true });
  }
  const bytes = await options.fetchTree();
  try {
    unpackReleaseTree(bytes, sha256, dir, options.nodeModules);
  } catch (error) {
    // Another process on the volume may have put the same whole tree in place meanwhile.
    if (existsSync(dir) && incompleteReason(dir, sha256, options.nodeModules) === undefined) return dir;
    throw error;
  }
  return dir;
}
