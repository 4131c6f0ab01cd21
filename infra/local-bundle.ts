/**
 * The edge bundle of a `local` pin (dist/edge/worker.js) is built from the
 * working tree, and a tree edited since makes it stale: `plan` would show,
 * and `pulumi up` would deploy, the Worker from before the edit. So whatever
 * reads it first builds it again when a file it is built from is newer, and
 * the program refuses a stale one with the command that builds it.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { buildEdge } from "../app/scripts/build-edge.ts";

/** The local bundle's path, from the project root. */
export const LOCAL_BUNDLE = join("dist", "edge", "worker.js");

/** What the bundle is built from, from the project root: its sources, the build itself, and the locked dependencies. */
const BUNDLE_SOURCES = [join("app", "src"), join("app", "scripts", "build-edge.ts"), "package-lock.json"];
const WORKER_ENTRY = join("app", "src", "runtimes", "worker", "index.ts");

export type LocalBundleState = { state: "fresh" } | { state: "missing" } | { state: "stale"; newer: string };

/** The local bundle is missing or refused; the message says what to run. */
export class LocalBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalBundleError";
  }
}

/** Whether dist/edge/worker.js exists and is newer than every file it is built from (tests beside the sources aside). */
export function localBundleState(root: string): LocalBundleState {
  const bundle = join(root, LOCAL_BUNDLE);
  if (!existsSync(bundle)) return { state: "missing" };
  const builtAt = statSync(bundle).mtimeMs;
  for (const source of BUNDLE_SOURCES.flatMap((path) => filesUnder(join(root, path)))) {
    if (statSync(source).mtimeMs > builtAt) return { state: "stale", newer: relative(root, source) };
  }
  return { state: "fresh" };
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Why a bundle in `state` cannot be used, and what to run. */
export function describeLocalBundle(state: LocalBundleState): string {
  if (state.state === "missing") return `release local: ${LOCAL_BUNDLE} does not exist (build it with npm run build:edge)`;
  if (state.state === "stale") return `release local: ${LOCAL_BUNDLE} is older than ${state.newer}, so it is not what the working tree builds (build it with npm run build:edge)`;
  return `release local: ${LOCAL_BUNDLE} is up to date`;
}

/**
 * Builds dist/edge/worker.js when it is missing or older than a file it is
 * built from, saying so on `say`; a tree that does not build is a LocalBundleError.
 */
export async function buildLocalBundleIfStale(root: string, say: (line: string) => void): Promise<void> {
  const state = localBundleState(root);
  if (state.state === "fresh") return;
  say(state.state === "missing" ? `${LOCAL_BUNDLE} does not exist: building it (npm run build:edge)` : `${LOCAL_BUNDLE} is older than ${state.newer}: building it again (npm run build:edge)`);
  try {
    await buildEdge({ outfile: join(root, LOCAL_BUNDLE), entry: join(root, WORKER_ENTRY) });
  } catch (error) {
    throw new LocalBundleError(`release local: the working tree's Worker does not build, so there is no ${LOCAL_BUNDLE} to use: ${(error as Error).message.split("\n").slice(0, 4).join(" ")} (fix it, then npm run build:edge)`);
  }
}

/**
 * A `local` pin deploys app/modal as it is, and the offline plan hashes it for the
 * releases it stands in for: its tool_schemas.json (the Modal tools' input schemas,
 * app/src/tools/tool-schemas.ts) is written first from the working tree's definitions,
 * so the deploy carries them and the hash does not depend on whether a runner ran.
 */
export async function writeLocalToolSchemas(root: string): Promise<void> {
  const [{ tools }, { writeToolSchemas }] = await Promise.all([import("../app/src/tools/index.ts"), import("../app/src/tools/tool-schemas.ts")]);
  writeToolSchemas(tools, join(root, "app", "modal"));
}
