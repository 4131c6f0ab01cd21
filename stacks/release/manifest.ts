/**
 * A release is an immutable, content-addressed build of the app. Its folder
 * (`.releases/<id>/` locally, `releases/<id>/` in the artifact store) holds
 *
 *   manifest.json      this file's ReleaseManifest
 *   edge/worker.js     the Worker bundle uploaded as a Worker version
 *   modal/*.py         the Modal sources deployed per color
 *
 * and the manifest names the Fly image (`registry.fly.io/<app>:<id>`, pushed
 * under the release id) by the sha256 of what the image is built from.
 *
 * The id is `r-` and the first 12 hex characters of the sha256 of the content:
 * every artifact's path and sha256, the Fly image inputs and the Worker's
 * platform needs. The git commit, the time, the tool list, the MCP surface
 * and the Node schema summary are recorded but not hashed, so the same content
 * built twice is the same release. The surface and the schema summary are
 * derived from code the hash already covers (the bundle, and the Fly image
 * inputs: `app/src`), so hashing them would add no identity; it would only
 * split one content into two ids, built before and after manifests recorded
 * them.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import * as z from "zod";
import { modalComputeSchema } from "../../app/src/tools/modal-compute.ts";
import { surfaceSchema } from "./surface.ts";

/** The git-ignored folder of built and fetched releases, under the project root. */
export const RELEASE_CACHE = ".releases";
export const MANIFEST_FILE = "manifest.json";
export const EDGE_BUNDLE_PATH = "edge/worker.js";
export const MODAL_DIR = "modal";
/** The Fly server's code (app/src, app/fly, app/package.json) packed as one file, that machines run beside the image's own (release-host/release-tree.ts). */
export const FLY_TREE_PATH = "fly/server-tree.json.gz";
const RELEASE_ID = /^r-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;

const className = z.string().min(1);
/**
 * One Durable Object migration, as wrangler's `migrations` entries in camelCase
 * (the fields of the Workers script upload's `migrations`, cloudflare/cloudflare-typescript
 * src/resources/workers/workers.ts, SingleStepMigrationParam). Unknown keys are
 * refused: a misspelled list would silently migrate nothing.
 */
const migrationSchema = z.strictObject({
  tag: z.string().min(1),
  newClasses: z.array(className).optional(),
  newSqliteClasses: z.array(className).optional(),
  deletedClasses: z.array(className).optional(),
  renamedClasses: z.array(z.strictObject({ from: className, to: className })).optional(),
  transferredClasses: z.array(z.strictObject({ from: className, fromScript: z.string().min(1), to: className })).optional(),
});

/** What the Worker needs from the platform (app/src/runtimes/worker/platform.json). */
export const workerPlatformSchema = z.object({
  mainModule: z.string().default("worker.js"),
  compatibilityDate: z.string(),
  compatibilityFlags: z.array(z.string()),
  durableObjects: z.array(z.object({ binding: z.string(), className: z.string() })),
  migrations: z.array(migrationSchema),
});
export type WorkerPlatform = z.output<typeof workerPlatformSchema>;
export type DurableObjectMigration = WorkerPlatform["migrations"][number];

/**
 * The schema version the release's Node runtime migrates its database to, and
 * its migrations that contract the schema, each with why: every pinned release
 * runs over one database, so one from before such a migration cannot run
 * beside it (stacks/compat/schema-rule.ts).
 */
export const nodeSchemaSchema = z.object({
  version: z.number().int().nonnegative(),
  contracting: z.array(z.object({ version: z.number().int().positive(), reason: z.string().min(1) })),
});
export type NodeSchema = z.output<typeof nodeSchemaSchema>;

export const releaseManifestSchema = z.object({
  release: z.string().regex(RELEASE_ID, { error: "expected r-<12 hex>" }),
  gitCommit: z.string().regex(/^[0-9a-f]{40}$/, { error: "expected a 40-hex git commit" }),
  /** True when the working tree had uncommitted changes at build time. */
  dirty: z.boolean(),
  builtAt: z.string(),
  /** sha256 and size of every file of the release, by its path inside the release folder. */
  artifacts: z.record(z.string(), z.object({ sha256: z.string().regex(SHA256), bytes: z.number().int().nonnegative() })),
  fly: z.object({
    /** The image, with `<app>` standing for the stack's Fly app. */
    image: z.string(),
    /** sha256 over the files the image is built from (fly-inputs.ts, flyImageInputs). */
    inputsSha256: z.string().regex(SHA256),
    /** sha256 over the host runtime: the image's files but app/src, and of the lock only what the image installs (fly-runtime.ts); absent in older manifests. */
    runtimeSha256: z.string().regex(SHA256).optional(),
  }),
  worker: workerPlatformSchema,
  /** Each tool, and for a Modal tool with a Function of its own the compute it declares (absent in older manifests). */
  tools: z.array(z.object({ name: z.string(), placement: z.enum(["edge", "fly", "modal"]), compute: modalComputeSchema.optional() })),
  /** What clients see (stacks/release/surface.ts); absent in manifests built before it was recorded. */
  surface: surfaceSchema.optional(),
  /** The Node database's schema (app/src/state/migration-kind.ts); absent in manifests built before it was recorded. */
  nodeSchema: nodeSchemaSchema.optional(),
});
export type ReleaseManifest = z.output<typeof releaseManifestSchema>;

export class ReleaseIntegrityError extends Error {
  constructor(release: string, problem: string) {
    super(`release ${release}: ${problem}`);
    this.name = "ReleaseIntegrityError";
  }
}

export function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The id of a release's content; what the manifest's `release` must equal. */
export function releaseIdOf(content: Pick<ReleaseManifest, "artifacts" | "fly" | "worker">): string {
  const hash = createHash("sha256");
  for (const path of Object.keys(content.artifacts).sort()) hash.update(`${path}\0${content.artifacts[path]!.sha256}\n`);
  hash.update(`fly\0${content.fly.inputsSha256}\n`);
  hash.update(`worker\0${canonicalJson(content.worker)}\n`);
  return `r-${hash.digest("hex").slice(0, 12)}`;
}

/** JSON with object keys sorted and undefined members left out: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Parses manifest text; a bad manifest names the release folder and the problem. */
export function parseManifest(text: string, where: string): ReleaseManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ReleaseIntegrityError(where, `${MANIFEST_FILE} is not JSON (${(error as Error).message})`);
  }
  const parsed = releaseManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReleaseIntegrityError(where, `${MANIFEST_FILE} is not a release manifest (${issue?.path.join(".")}: ${issue?.message})`);
  }
  return parsed.data;
}

/** Every file under `dir`, as paths relative to it with `/` separators. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split(sep).join("/"));
    }
  };
  walk(dir);
  return out;
}

/**
 * Checks a release folder against its manifest: the id is the hash of the
 * content, the folder is named by it, every listed file has its sha256, and no
 * file is there that the manifest does not list. Returns the manifest.
 */
export function verifyReleaseDir(dir: string, expected?: string): ReleaseManifest {
  const label = expected ?? dir;
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new ReleaseIntegrityError(label, `${MANIFEST_FILE} is missing in ${dir}`);
  const manifest = parseManifest(readFileSync(manifestPath, "utf8"), label);
  const id = releaseIdOf(manifest);
  if (manifest.release !== id) {
    throw new ReleaseIntegrityError(label, `the manifest says ${manifest.release} but its content hashes to ${id} (expected them equal)`);
  }
  if (expected !== undefined && manifest.release !== expected) {
    throw new ReleaseIntegrityError(label, `the folder holds release ${manifest.release} (expected ${expected})`);
  }
  const present = listFiles(dir).filter((path) => path !== MANIFEST_FILE);
  for (const path of present) {
    if (!(path in manifest.artifacts)) throw new ReleaseIntegrityError(label, `${path} is not listed in the manifest (expected only its artifacts)`);
  }
  for (const [path, { sha256: want }] of Object.entries(manifest.artifacts)) {
    const file = join(dir, path);
    if (!existsSync(file)) throw new ReleaseIntegrityError(label, `${path} is missing`);
    const got = sha256(readFileSync(file));
    if (got !== want) throw new ReleaseIntegrityError(label, `${path} has sha256 ${got.slice(0, 12)}… but the manifest says ${want.slice(0, 12)}… (refusing a changed artifact)`);
  }
  return manifest;
}

/** The manifest's `tools` of a registry: each tool's name and placement, and the compute a Modal tool declares. */
export function manifestTools(tools: readonly { name: string; placement: ReleaseManifest["tools"][number]["placement"]; compute?: unknown }[]): ReleaseManifest["tools"] {
  return tools.map((tool) => ({ name: tool.name, placement: tool.placement, ...(tool.compute ? { compute: modalComputeSchema.parse(tool.compute) } : {}) }));
}
