/**
 * `npm run release:build`: builds the app once into an immutable release under
 * `.releases/<id>/` (git-ignored) and prints its id. What goes in:
 *
 * - the Worker bundle (the same build as `npm run build:edge`),
 * - the Modal sources (`app/modal/*.py`),
 * - the Fly image's inputs, by hash: the image is built from `app/` and pushed
 *   as `registry.fly.io/<app>:<id>` by the pipeline (no Docker daemon here),
 * - the Worker's platform needs (`platform.json`: compatibility, Durable Object
 *   classes and migrations), the tool list of the registry, and the MCP
 *   surface a client lists (every tool's schemas, annotations, description).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildEdge } from "../../app/scripts/build-edge.ts";
import { prompts, resources, tools } from "../../app/src/tools/index.ts";
import { assembleRelease, type AssembledRelease } from "./assemble.ts";
import { listFiles, RELEASE_CACHE, sha256, workerPlatformSchema } from "./manifest.ts";
import { registrySurface } from "./read-surface.ts";

/** The files the Fly image is built from, relative to the project root, in a fixed order. */
export function flyImageInputs(root: string): string[] {
  const extra = ["app/Dockerfile", "app/litestream.yml", "package-lock.json", "app/package.json"].filter((path) => existsSync(join(root, path)));
  const sources = listFiles(join(root, "app", "src"))
    .filter((path) => !path.endsWith(".test.ts"))
    .map((path) => `app/src/${path}`);
  return [...extra, ...sources].sort();
}

export function hashFiles(root: string, paths: readonly string[]): string {
  const lines = paths.map((path) => `${path}\0${sha256(readFileSync(join(root, path)))}\n`);
  return sha256(lines.join(""));
}

function git(root: string, args: string[]): string {
  return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
}

export async function buildRelease(root: string, cacheDir = join(root, RELEASE_CACHE)): Promise<AssembledRelease> {
  const bundle = await buildEdge();
  const modalDir = join(root, "app", "modal");
  const modalSources = Object.fromEntries(
    readdirSync(modalDir)
      .filter((name) => name.endsWith(".py"))
      .map((name) => [name, readFileSync(join(modalDir, name))]),
  );
  const worker = workerPlatformSchema.parse(JSON.parse(readFileSync(join(root, "app/src/runtimes/worker/platform.json"), "utf8")));
  return assembleRelease(
    {
      edgeBundle: readFileSync(bundle.path),
      modalSources,
      flyInputsSha256: hashFiles(root, flyImageInputs(root)),
      worker,
      tools: tools.map((tool) => ({ name: tool.name, placement: tool.placement })),
      surface: await registrySurface({ tools, prompts, resources }),
      gitCommit: git(root, ["rev-parse", "HEAD"]),
      dirty: git(root, ["status", "--porcelain"]) !== "",
    },
    cacheDir,
  );
}
