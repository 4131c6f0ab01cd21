// What can be checked of the Fly image without a Docker daemon: its files, its
// environment, and that the server needs nothing the image leaves out.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { loadNodeConfig } from "../src/runtimes/node-config.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dockerfile = readFileSync(resolve(ROOT, "app/Dockerfile"), "utf8");
const ignore = readFileSync(resolve(ROOT, ".dockerignore"), "utf8");

/** The final stage's instructions, continuation lines joined. */
function finalStage(): string[] {
  const lines = dockerfile.replace(/\\\n/g, " ").split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  const from = lines.findLastIndex((line) => line.startsWith("FROM "));
  return lines.slice(from);
}

/**
 * Whether the build context keeps a path, by Docker's rules: a pattern that
 * matches a directory matches everything under it, and the last match wins.
 */
function inContext(path: string): boolean {
  const parts = path.split("/");
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let kept = true;
  for (const raw of ignore.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"))) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\/?/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*")}$`);
    if (candidates.some((candidate) => regex.test(candidate))) kept = negated;
  }
  return kept;
}

test("the image's environment is a valid Fly configuration: every address on 8080, the database on the volume", () => {
  const env: Record<string, string> = {};
  for (const line of finalStage().filter((line) => line.startsWith("ENV "))) {
    for (const match of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[match[1]!] = match[2]!;
  }
  const config = loadNodeConfig(env);
  assert.equal(config.HOST, "::", "Fly's private network is IPv6");
  assert.equal(config.PORT, 8080);
  assert.equal(config.databasePath, "/data/mcp.sqlite");
  assert.equal(config.MCP_START_COMPUTE, "0", "the image has no Python: modal tools go to MODAL_URL");
  assert.equal(env.MCP_RUN_AS, "node");
});

test("every file the image copies exists and is in the build context; it starts with the start script", () => {
  const copies = finalStage().filter((line) => line.startsWith("COPY ") && !line.includes("--from="));
  assert.ok(copies.length > 0);
  for (const line of copies) {
    const source = line.split(/\s+/)[1]!;
    assert.ok(existsSync(resolve(ROOT, source)), `${source} does not exist`);
  }
  for (const path of ["package.json", "package-lock.json", ".npmrc", "app/package.json", "app/fly/start.sh", "app/fly/litestream.yml", "app/fly/litestream-follower.yml"]) {
    assert.ok(inContext(path), `${path} is excluded by .dockerignore`);
  }
  for (const path of ["app/test/restart.test.ts", "app/src/runtimes/node-config.test.ts", "node_modules/zod/package.json", ".data/mcp.sqlite", "infra/index.ts", "app/modal/compute.py"]) {
    assert.ok(!inContext(path), `${path} should stay out of the image`);
  }
  assert.match(finalStage().at(-1)!, /^CMD \["sh", "\/srv\/app\/fly\/start\.sh"\]$/);
});

test("the server imports only files the image copies and the app's production dependencies", () => {
  const manifest = JSON.parse(readFileSync(resolve(ROOT, "app/package.json"), "utf8")) as { dependencies: Record<string, string> };
  const production = new Set(Object.keys(manifest.dependencies));
  const builtins = new Set(builtinModules);
  const seen = new Set<string>();
  const pending = [resolve(ROOT, "app/src/runtimes/node-main.ts")];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const path = relative(ROOT, file);
    assert.ok(inContext(path), `${path} is imported by the server but left out of the image`);
    const source = readFileSync(file, "utf8");
    for (const [, staticSpecifier, dynamicSpecifier] of source.matchAll(/(?:import|export)\s[^"';]*?from\s+"([^"]+)"|import\("([^"]+)"\)/g)) {
      const specifier = staticSpecifier ?? dynamicSpecifier;
      if (specifier === undefined) continue;
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      else if (specifier.startsWith("node:") || builtins.has(specifier)) continue;
      else {
        const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;
        assert.ok(production.has(name), `${path} imports ${specifier}, which is not a production dependency of the app`);
      }
    }
  }
  assert.ok(seen.size > 20, `expected the server's whole import graph, walked ${seen.size} files`);
});
