/**
 * `release:build` makes an immutable, content-addressed release of the app.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { NODE_MIGRATIONS } from "../../app/src/state/schema.ts";
import { tools } from "../../app/src/tools/index.ts";
import { makeRelease } from "../../test/fixtures/release-store.ts";
import { buildRelease } from "./build.ts";
import { releaseIdOf, sha256, verifyReleaseDir } from "./manifest.ts";

const root = join(import.meta.dirname, "..", "..");

test("a build of the app is a release named by its content, with a manifest of every artifact", async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-releases-"));
  const first = await buildRelease(root, cacheDir);
  const { manifest, dir } = first;
  assert.match(manifest.release, /^r-[0-9a-f]{12}$/);
  assert.equal(manifest.release, releaseIdOf(manifest));
  assert.equal(manifest.gitCommit, execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim());
  assert.equal(manifest.artifacts["edge/worker.js"]?.sha256, sha256(readFileSync(join(dir, "edge/worker.js"))));
  assert.ok(manifest.artifacts["modal/modal_app.py"] && manifest.artifacts["modal/compute.py"]);
  assert.equal(manifest.fly.image, `registry.fly.io/<app>:${manifest.release}`);
  assert.deepEqual(manifest.tools.map((t) => t.name), tools.map((t) => t.name));
  assert.deepEqual(manifest.surface?.tools.map((t) => t.name), tools.map((t) => t.name), "the MCP surface is recorded");
  assert.deepEqual(manifest.nodeSchema, { version: NODE_MIGRATIONS.length, contracting: [] }, "the Node schema is recorded: today's migrations all expand");
  assert.deepEqual(manifest.worker.migrations.map((m) => m.tag), ["v1"]);
  assert.deepEqual(verifyReleaseDir(dir, manifest.release), manifest);
  // The Python side validates a Modal tool's arguments against exactly the schema clients are shown.
  const schemas = JSON.parse(readFileSync(join(dir, "modal", "tool_schemas.json"), "utf8")) as { tools: Record<string, unknown> };
  const modalTools = manifest.surface!.tools.filter((tool) => tools.find((t) => t.name === tool.name)?.placement === "modal");
  assert.deepEqual(Object.keys(schemas.tools), ["csv_cluster", "csv_profile"]);
  for (const tool of modalTools) assert.deepEqual(schemas.tools[tool.name], tool.inputSchema, `${tool.name}'s schema is the one tools/list shows`);
  assert.ok(manifest.artifacts["modal/tool_schemas.json"], "the schemas are part of the release's content");

  const again = await buildRelease(root, cacheDir);
  assert.equal(again.manifest.release, manifest.release, "the same content is the same release");
  assert.equal(again.created, false);
});

test("a different content is a different release; the id never depends on the commit or the time", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-releases-"));
  const a = makeRelease(cacheDir, { tag: "one" });
  const b = makeRelease(cacheDir, { tag: "two" });
  assert.notEqual(a.manifest.release, b.manifest.release);
  const sameContent = { ...a.manifest, gitCommit: "2".repeat(40), builtAt: "2030-01-01T00:00:00.000Z" };
  assert.equal(releaseIdOf(sameContent), a.manifest.release);
});

test("an edited artifact, an extra file or a renamed folder is refused", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-releases-"));
  const { manifest, dir } = makeRelease(cacheDir, { tag: "edit" });
  writeFileSync(join(dir, "edge/worker.js"), "export default {};\n");
  assert.throws(() => verifyReleaseDir(dir, manifest.release), /release r-\w+: edge\/worker\.js has sha256 \w+… but the manifest says \w+… \(refusing a changed artifact\)/);

  const extra = makeRelease(cacheDir, { tag: "extra" });
  writeFileSync(join(extra.dir, "modal", "evil.py"), "import os\n");
  assert.throws(() => verifyReleaseDir(extra.dir), /modal\/evil\.py is not listed in the manifest/);

  const other = makeRelease(cacheDir, { tag: "other" });
  assert.throws(() => verifyReleaseDir(other.dir, "r-111111111111"), /the folder holds release r-\w+ \(expected r-111111111111\)/);
});

test("a build is refused, before anything is written, when a Modal tool's Python handler is gone", async () => {
  // A root holding only the Modal sources: the check runs before the Worker is built or git asked.
  const copy = mkdtempSync(join(tmpdir(), "mcp-no-handler-"));
  cpSync(join(root, "app", "modal"), join(copy, "app", "modal"), { recursive: true, filter: (path) => !path.includes("__pycache__") });
  const handlers = join(copy, "app", "modal", "handlers.py");
  writeFileSync(handlers, readFileSync(handlers, "utf8").replace('@tool("csv_profile")\n', ""));
  const cacheDir = join(copy, "releases");
  await assert.rejects(buildRelease(copy, cacheDir), {
    message: 'tool "csv_profile" is placed on modal but no Python handler is registered for it: expected @tool("csv_profile") in app/modal/csv_profile.py',
  });
  assert.equal(existsSync(cacheDir), false);
});

test("a build is refused when the Modal image would leave out a module the app imports", async () => {
  // A copy of the Modal sources where one more module is kept out of the image, as a new dev-only module would be.
  const copy = mkdtempSync(join(tmpdir(), "mcp-module-left-out-"));
  cpSync(join(root, "app", "modal"), join(copy, "app", "modal"), { recursive: true, filter: (path) => !path.includes("__pycache__") });
  const contents = join(copy, "app", "modal", "image_contents.py");
  const listed = readFileSync(contents, "utf8");
  assert.match(listed, /DEV_ONLY_MODULES = \("fixtures", "local_server"\)/);
  writeFileSync(contents, listed.replace('DEV_ONLY_MODULES = ("fixtures", "local_server")', 'DEV_ONLY_MODULES = ("fixtures", "local_server", "column_profile")'));
  const cacheDir = join(copy, "releases");
  await assert.rejects(buildRelease(copy, cacheDir), (error: Error) => {
    assert.match(error.message, /the Modal image's modules \(asgi, call_stream, .*\) do not import on their own, so the deployed app would fail/);
    assert.doesNotMatch(error.message, /\bcolumn_profile,/, "the module left out is not among those listed");
    assert.match(error.message, /ModuleNotFoundError: No module named 'column_profile'/);
    return true;
  });
  assert.equal(existsSync(cacheDir), false);
});
