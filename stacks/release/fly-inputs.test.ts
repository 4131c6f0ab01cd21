import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { dockerContextFiles, flyImageInputs, flyInputsSha256 } from "./fly-inputs.ts";

const root = join(import.meta.dirname, "..", "..");

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-context-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test("the build context follows Docker's .dockerignore rules: last match wins, parents count, `*` takes dot-files, `!` brings back", () => {
  const dir = tree({
    ".dockerignore": "# the image needs little\n*\n!package.json\n!app/src/**\napp/src/**/*.test.ts\n!app/fly\n",
    ".env": "SECRET=1",
    ".git/config": "",
    "package.json": "{}",
    "README.md": "",
    "app/src/server.ts": "",
    "app/src/deep/er/tool.ts": "",
    "app/src/deep/tool.test.ts": "",
    "app/fly/start.sh": "",
    "app/modal/compute.py": "",
    "node_modules/x/index.js": "",
  });
  assert.deepEqual(dockerContextFiles(dir), ["app/fly/start.sh", "app/src/deep/er/tool.ts", "app/src/server.ts", "package.json"]);
});

test("the project's Fly image inputs are what the Dockerfile copies: the workspace manifests, app/src without tests and the Worker, app/fly", () => {
  const inputs = flyImageInputs(root);
  for (const path of ["app/Dockerfile", "package.json", "package-lock.json", ".npmrc", "app/package.json", "app/fly/start.sh", "app/fly/litestream.yml"]) {
    assert.ok(inputs.includes(path), `${path} is an input`);
  }
  assert.ok(inputs.some((path) => path.startsWith("app/src/server/")));
  assert.ok(!inputs.some((path) => path.endsWith(".test.ts") || path.startsWith("app/src/runtimes/worker/") || path.startsWith("app/modal/")));
});

test("a change anywhere the image holds changes the inputs' hash (and so the release id); a change outside it does not", () => {
  const files = { ".dockerignore": "*\n!app/src/**\n!app/fly/**\n", "app/Dockerfile": "FROM node:24-slim", "app/src/a.ts": "1", "app/fly/start.sh": "exec node", "docs/x.md": "" };
  const base = flyInputsSha256(tree(files));
  assert.equal(flyInputsSha256(tree({ ...files, "docs/x.md": "changed" })), base);
  assert.notEqual(flyInputsSha256(tree({ ...files, "app/fly/start.sh": "exec node --inspect" })), base);
  assert.notEqual(flyInputsSha256(tree({ ...files, "app/Dockerfile": "FROM node:24" })), base);
});
