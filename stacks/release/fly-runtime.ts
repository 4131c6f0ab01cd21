/**
 * The Fly host runtime of a checkout: what the image holds besides the
 * server's code (app/src), hashed so two releases with the same runtime run
 * on each other's image (app/src/runtimes/release-host/). It covers the
 * Dockerfile, `.npmrc`, `app/package.json`, `app/fly/` (start.sh, the
 * Litestream configs), the root manifest's workspace settings, and from the
 * lock file only the packages the image installs: the closure of the app's
 * production dependencies (`npm ci --workspace app --omit=dev`, app/Dockerfile).
 * A bump of a development-only package, most of Dependabot's pull requests,
 * is therefore no new runtime and builds no image.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "./manifest.ts";
import { flyImageInputs, hashFiles } from "./fly-inputs.ts";

interface LockPackage {
  version?: string;
  integrity?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Where npm installed `name` for the package at `from` (a lock file path such
 * as `app` or `node_modules/a/node_modules/b`): its own node_modules first, then
 * each folder above it, as Node resolves. Undefined when not installed (an
 * optional package of another platform).
 */
function installedAt(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === "") return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut >= 0 ? base.slice(0, cut) : "";
  }
}

/** The lock file entries the image installs: `[path, version, integrity]`, sorted. */
export function appProductionClosure(lock: { packages: Record<string, LockPackage> }, workspace = "app"): [string, string, string][] {
  const { packages } = lock;
  const seen = new Set<string>();
  const queue = [workspace];
  while (queue.length > 0) {
    const at = queue.pop()!;
    const entry = packages[at];
    if (!entry) continue;
    const wanted = { ...entry.peerDependencies, ...entry.optionalDependencies, ...entry.dependencies };
    for (const name of Object.keys(wanted)) {
      const path = installedAt(packages, at, name);
      if (path === undefined || seen.has(path)) continue;
      seen.add(path);
      queue.push(path);
    }
  }
  return [...seen].sort().map((path) => [path, packages[path]!.version ?? "", packages[path]!.integrity ?? packages[path]!.resolved ?? ""]);
}

/** sha256 over the Fly host runtime of the checkout at `root`: what a release's `fly.runtimeSha256` records. */
export function flyRuntimeSha256(root: string): string {
  const files = flyImageInputs(root).filter((path) => !path.startsWith("app/src/") && path !== "package.json" && path !== "package-lock.json");
  // A checkout without a manifest or a lock (a test's scratch project) has those parts empty, as flyInputsSha256 skips missing files.
  const manifestPath = join(root, "package.json");
  const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>) : {};
  const lockPath = join(root, "package-lock.json");
  const closure = existsSync(lockPath) ? appProductionClosure(JSON.parse(readFileSync(lockPath, "utf8"))) : [];
  const parts = [
    `files\0${hashFiles(root, files)}`,
    `workspaces\0${JSON.stringify({ workspaces: manifest.workspaces ?? null, overrides: manifest.overrides ?? null })}`,
    `installed\0${JSON.stringify(closure)}`,
  ];
  return sha256(parts.join("\n"));
}
