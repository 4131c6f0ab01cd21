/**
 * `npm run release:build`: builds the app once into an immutable release under
 * `.releases/<id>/` (git-ignored) and prints its id. What goes in:
 *
 * - the Worker bundle (the same build as `npm run build:edge`),
 * - the Modal sources (`app/modal/*.py`) and `tool_schemas.json`, the input
 *   JSON Schema of each Modal tool, from its zod definition (tool-schemas.ts),
 * - the Fly image's inputs, by hash (the Dockerfile and the build context
 *   `.dockerignore` lets through, fly-inputs.ts): the program's FlyImage builds
 *   and pushes `registry.fly.io/<app>:<id>` from a checkout whose inputs match,
 * - the Fly server's code packed as one file (`fly/server-tree.json.gz`):
 *   machines whose image is another release's run it beside their own,
 * - the Worker's platform needs (`platform.json`: compatibility, Durable Object
 *   classes and migrations), the tool list of the registry, and the MCP
 *   surface a client lists (every tool's schemas, annotations, description),
 *   and the Node database's schema version with its contracting migrations
 *   (app/src/state/migration-kind.ts), for the schema rule of compat.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildEdge } from "../../app/scripts/build-edge.ts";
import { packReleaseTree } from "../../app/src/runtimes/release-host/release-tree.ts";
import { prompts, resources, tools } from "../../app/src/tools/index.ts";
import { summariseSchema } from "../../app/src/state/migration-kind.ts";
import { NODE_MIGRATIONS } from "../../app/src/state/schema.ts";
import { assertPythonHandlers } from "../../app/src/tools/python-handlers.ts";
import { MODAL_REQUIREMENTS_FILE } from "../../app/src/tools/modal-compute.ts";
import { TOOL_SCHEMAS_FILE, toolSchemasText } from "../../app/src/tools/tool-schemas.ts";
import { assembleRelease, type AssembledRelease } from "./assemble.ts";
import { flyInputsSha256 } from "./fly-inputs.ts";
import { flyRuntimeSha256 } from "./fly-runtime.ts";
import { manifestTools, RELEASE_CACHE, workerPlatformSchema } from "./manifest.ts";
import { registrySurface } from "./read-surface.ts";

function git(root: string, args: string[]): string {
  return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
}

export async function buildRelease(root: string, cacheDir = join(root, RELEASE_CACHE)): Promise<AssembledRelease> {
  const modalDir = join(root, "app", "modal");
  // Before anything is built: a Modal tool without its Python handler would ship and answer "no tool is served here".
  assertPythonHandlers(tools, modalDir);
  const bundle = await buildEdge();
  const modalSources = Object.fromEntries(
    readdirSync(modalDir)
      .filter((name) => name.endsWith(".py") || name === MODAL_REQUIREMENTS_FILE)
      .map((name) => [name, readFileSync(join(modalDir, name))]),
  );
  // From the definitions being released, never from a file a runner left in app/modal.
  modalSources[TOOL_SCHEMAS_FILE] = Buffer.from(toolSchemasText(tools));
  const worker = workerPlatformSchema.parse(JSON.parse(readFileSync(join(root, "app/src/runtimes/worker/platform.json"), "utf8")));
  return assembleRelease(
    {
      edgeBundle: readFileSync(bundle.path),
      modalSources,
      flyInputsSha256: flyInputsSha256(root),
      flyRuntimeSha256: flyRuntimeSha256(root),
      flyServerTree: packReleaseTree(root),
      worker,
      tools: manifestTools(tools),
      surface: await registrySurface({ tools, prompts, resources }),
      nodeSchema: summariseSchema(NODE_MIGRATIONS),
      gitCommit: git(root, ["rev-parse", "HEAD"]),
      dirty: git(root, ["status", "--porcelain"]) !== "",
    },
    cacheDir,
  );
}
