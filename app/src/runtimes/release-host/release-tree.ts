/**
 * A release tree: the server code of one release of the app, as a Fly machine
 * needs it to run that release beside the one its image carries. It holds
 * `app/package.json`, `app/src/**` (less tests and the Worker's runtime) and `app/fly/**`, at the
 * same paths as in the repository, because the app finds its own files by
 * `new URL("./x.ts", import.meta.url)`. npm packages are not in it: an
 * unpacked tree gets a `node_modules` link to the image's.
 *
 * The pack is ONE file: gzip of the JSON `{"format":1,"files":{"<path>":"<base64>"}}`,
 * paths sorted, nothing else recorded. No timestamps, owners or modes (nothing
 * in the tree is executed directly: start.sh runs through `sh`), so packing the
 * same files gives the same bytes, and the sha256 recorded at packing names
 * the content. JSON rather than tar: a reader is a few lines of node:zlib and
 * JSON.parse, and the tree is well under a megabyte.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";

/** The file a release host runs, relative to the tree's folder. */
export const RELEASE_TREE_ENTRY = "app/src/runtimes/node-main.ts";
/** Written last into an unpacked tree: its presence and content say the tree is whole. */
export const RELEASE_TREE_MARKER = ".release-tree.json";
const FORMAT = 1;
/** Far above a real tree (under 1 MiB): a cap on what gunzip may expand to. */
const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

export class ReleaseTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseTreeError";
  }
}

/**
 * Whether a repository path belongs in a release tree: the app files the Fly
 * image holds (.dockerignore), so a release runs from a tree as it would from
 * its own image. The Worker's runtime is Cloudflare's only, and tests never run there.
 */
function belongsInTree(path: string): boolean {
  if (path === "app/package.json") return true;
  if (path.startsWith("app/fly/")) return true;
  if (!path.startsWith("app/src/") || path.startsWith("app/src/runtimes/worker/")) return false;
  return !path.endsWith(".test.ts") && !path.split("/").includes("test");
}

/** Why `path` may not be written below a tree's folder, or undefined when it may. */
function unsafeReason(path: string): string | undefined {
  if (path.startsWith("/")) return "absolute";
  if (path.includes("\\")) return "backslash";
  if (path.includes("\0")) return "NUL byte";
  const segments = path.split("/");
  if (segments.some((segment) => segment === "")) return "empty segment";
  if (segments.some((segment) => segment === "." || segment === "..")) return "dot segment";
  if (!belongsInTree(path)) return "not among app/package.json, app/src/ (less tests and the Worker) and app/fly/";
  return undefined;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every file of the tree under `root` (the repository's root), as sorted POSIX paths. */
export function releaseTreePaths(root: string): string[] {
  if (!existsSync(join(root, "app", "package.json"))) throw new ReleaseTreeError(`${root}: no app/package.json (expected the repository's root)`);
  const paths: string[] = ["app/package.json"];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = `${relative}/${entry.name}`;
      // A link would be packed as whatever it points at today, or point out of the tree on the machine.
      if (entry.isSymbolicLink()) throw new ReleaseTreeError(`${join(root, path)}: a symbolic link; a release tree carries plain files only`);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && belongsInTree(path)) paths.push(path);
    }
  };
  for (const folder of ["app/src", "app/fly"]) if (existsSync(join(root, folder))) walk(folder);
  // Code-unit order, the same on every machine (no locale).
  return paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The pack of the tree under `root` (the repository's root): the same files give the same bytes. */
export function packReleaseTree(root: string): Buffer {
  const files: Record<string, string> = {};
  for (const path of releaseTreePaths(root)) files[path] = readFileSync(join(root, path)).toString("base64");
  if (!(RELEASE_TREE_ENTRY in files)) throw new ReleaseTreeError(`${root}: no ${RELEASE_TREE_ENTRY}; a release tree must carry the server's entry point`);
  // gzip from node:zlib writes no name and a zero mtime into its header.
  return gzipSync(JSON.stringify({ format: FORMAT, files }), { level: 9 });
}

/** The files of a pack whose bytes were verified, each path checked before anything is written. */
function readPack(bytes: Buffer): Map<string, Buffer> {
  let document: unknown;
  try {
    document = JSON.parse(gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES }).toString("utf8"));
  } catch (error) {
    throw new ReleaseTreeError(`release tree refused: not a gzip of JSON (${(error as Error).message})`);
  }
  const { format, files } = (document ?? {}) as { format?: unknown; files?: unknown };
  if (format !== FORMAT) throw new ReleaseTreeError(`release tree refused: format ${JSON.stringify(format)}, expected ${FORMAT}`);
  if (typeof files !== "object" || files === null || Array.isArray(files)) throw new ReleaseTreeError(`release tree refused: "files" is not an object of path to base64`);
  const result = new Map<string, Buffer>();
  for (const [path, content] of Object.entries(files)) {
    const reason = unsafeReason(path);
    if (reason) throw new ReleaseTreeError(`release tree refused: unsafe path ${JSON.stringify(path)} (${reason})`);
    if (typeof content !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(content)) throw new ReleaseTreeError(`release tree refused: ${path} is not base64`);
    result.set(path, Buffer.from(content, "base64"));
  }
  if (!result.has(RELEASE_TREE_ENTRY)) throw new ReleaseTreeError(`release tree refused: no ${RELEASE_TREE_ENTRY}`);
  return result;
}

/** Written and flushed to disk, so a tree renamed into place after a crash is not one of empty files. */
function writeDurably(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, "wx");
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** What the marker records: enough to tell, by stat alone, that a cached tree is still whole. */
interface Marker {
  format: number;
  sha256: string;
  nodeModules: string;
  /** File sizes by path. */
  files: Record<string, number>;
}

/**
 * Verifies `bytes` against `expectedSha256`, then writes the tree into
 * `destDir` (which must not exist yet) with a `node_modules` link to
 * `nodeModules`. Everything is written into a sibling folder first and renamed
 * into place, so `destDir` is either absent or whole.
 */
export function unpackReleaseTree(bytes: Buffer, expectedSha256: string, destDir: string, nodeModules: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== expectedSha256.toLowerCase()) {
    throw new ReleaseTreeError(`release tree refused: its sha256 is ${actual}, expected ${expectedSha256} (a corrupted or different pack)`);
  }
  const files = readPack(bytes);
  const modules = resolve(nodeModules);
  if (!existsSync(modules) || !statSync(modules).isDirectory()) throw new ReleaseTreeError(`${modules}: no such folder (expected the node_modules a release tree imports its packages from)`);
  const target = resolve(destDir);
  if (existsSync(target)) throw new ReleaseTreeError(`${target}: already exists; a release tree is unpacked into a new folder only`);

  mkdirSync(dirname(target), { recursive: true });
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  mkdirSync(partial);
  try {
    const sizes: Record<string, number> = {};
    for (const [path, content] of files) {
      mkdirSync(dirname(join(partial, path)), { recursive: true });
      writeDurably(join(partial, path), content);
      sizes[path] = content.length;
    }
    symlinkSync(modules, join(partial, "node_modules"), "dir");
    const marker: Marker = { format: FORMAT, sha256: actual, nodeModules: modules, files: sizes };
    writeDurably(join(partial, RELEASE_TREE_MARKER), Buffer.from(`${JSON.stringify(marker)}\n`));
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof ReleaseTreeError) throw error;
    throw new ReleaseTreeError(`release tree ${expectedSha256}: could not be written to ${target}: ${(error as Error).message}`);
  }
  // The rename itself reaches the disk with the parent folder.
  const parent = openSync(dirname(target), "r");
  try {
    fsyncSync(parent);
  } finally {
    closeSync(parent);
  }
}

/**
 * Why the folder `dir` is not a whole tree of `sha256` linked to
 * `nodeModules`, or undefined when it is. Cheap: one read and one stat per
 * file, no hashing.
 */
export function incompleteReason(dir: string, sha256: string, nodeModules: string): string | undefined {
  let marker: Marker;
  try {
    marker = JSON.parse(readFileSync(join(dir, RELEASE_TREE_MARKER), "utf8")) as Marker;
  } catch {
    return `no readable ${RELEASE_TREE_MARKER}`;
  }
  if (marker.format !== FORMAT || marker.sha256 !== sha256.toLowerCase()) return `${RELEASE_TREE_MARKER} names another tree (${marker.sha256})`;
  const modules = resolve(nodeModules);
  try {
    if (readlinkSync(join(dir, "node_modules")) !== modules) return `node_modules does not point at ${modules}`;
  } catch {
    return "no node_modules link";
  }
  const files = marker.files ?? {};
  if (!(RELEASE_TREE_ENTRY in files)) return `${RELEASE_TREE_MARKER} lists no ${RELEASE_TREE_ENTRY}`;
  for (const [path, size] of Object.entries(files)) {
    if (unsafeReason(path)) return `${RELEASE_TREE_MARKER} lists ${JSON.stringify(path)}`;
    let stat;
    try {
      stat = lstatSync(join(dir, path));
    } catch {
      return `${path} is missing`;
    }
    if (!stat.isFile() || stat.size !== size) return `${path} is not the file that was unpacked`;
  }
  return undefined;
}
