import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { flyInputsSha256 } from "./fly-inputs.ts";
import { appProductionClosure, flyRuntimeSha256 } from "./fly-runtime.ts";

const root = join(import.meta.dirname, "..", "..");

/** The files the image is built from, copied to a folder a test may edit. */
function imageSources(): { dir: string; edit(path: string, change: (text: string) => string): void } {
  const dir = mkdtempSync(join(tmpdir(), "mcp-runtime-"));
  for (const path of ["app/Dockerfile", ".dockerignore", ".npmrc", "package.json", "package-lock.json", "app/package.json", "app/fly", "app/src/tools/echo.ts"]) {
    cpSync(join(root, path), join(dir, path), { recursive: true });
  }
  return {
    dir,
    edit(path, change) {
      const text = readFileSync(join(dir, path), "utf8");
      const changed = change(text);
      assert.notEqual(changed, text, `${path} changed`);
      writeFileSync(join(dir, path), changed);
    },
  };
}

test("the lock's part of the runtime is the closure of the app's production dependencies: Litestream and zod in, Pulumi and wrangler out", () => {
  const closure = appProductionClosure(JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"))).map(([path]) => path);
  for (const path of ["node_modules/zod", "node_modules/jose", "node_modules/@modelcontextprotocol/server", "node_modules/@flydotio/litestream-linux-x64"]) assert.ok(closure.includes(path), path);
  for (const path of ["node_modules/@pulumi/pulumi", "node_modules/wrangler", "node_modules/typescript", "node_modules/node"]) assert.ok(!closure.includes(path), path);
});

test("a new dev dependency or a change of the server's code is no new runtime; a production package, start.sh or the Dockerfile is", () => {
  const base = imageSources();
  const runtime = flyRuntimeSha256(base.dir);
  assert.equal(runtime, flyRuntimeSha256(root), "only the image's files count");

  const dev = imageSources();
  dev.edit("package.json", (text) => text.replace('"devDependencies": {', '"devDependencies": {\n    "left-pad": "1.3.0",'));
  dev.edit("package-lock.json", (text) => {
    const lock = JSON.parse(text);
    lock.packages[""].devDependencies["left-pad"] = "1.3.0";
    lock.packages["node_modules/left-pad"] = { version: "1.3.0", integrity: "sha512-x", dev: true };
    return JSON.stringify(lock, null, 2);
  });
  dev.edit("app/src/tools/echo.ts", (text) => `${text}// a change of code\n`);
  assert.notEqual(flyInputsSha256(dev.dir), flyInputsSha256(base.dir), "the image's inputs changed");
  assert.equal(flyRuntimeSha256(dev.dir), runtime, "its runtime did not");

  const zod = imageSources();
  zod.edit("package-lock.json", (text) => {
    const lock = JSON.parse(text);
    lock.packages["node_modules/zod"].version = "4.99.0";
    return JSON.stringify(lock, null, 2);
  });
  const start = imageSources();
  start.edit("app/fly/start.sh", (text) => `${text}# a change of the entry point\n`);
  const docker = imageSources();
  docker.edit("app/Dockerfile", (text) => text.replace("node:24-slim AS dependencies", "node:24.1-slim AS dependencies"));
  for (const changed of [zod, start, docker]) assert.notEqual(flyRuntimeSha256(changed.dir), runtime);
});
