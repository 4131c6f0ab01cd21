import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { dockerContextFiles } from "../../../../stacks/release/fly-inputs.ts";
import { startServer } from "../../../test/support/server-process.ts";
import { packReleaseTree, RELEASE_TREE_ENTRY, unpackReleaseTree } from "./release-tree.ts";

const repository = join(import.meta.dirname, "..", "..", "..", "..");
const nodeModules = join(repository, "node_modules");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const pathsIn = (pack: Buffer) => Object.keys((JSON.parse(gunzipSync(pack).toString("utf8")) as { files: Record<string, string> }).files);

/** A pack written by hand, as a tampered or hostile store could serve it. */
function handMadePack(files: Record<string, string>): Buffer {
  const encoded = Object.fromEntries(Object.entries(files).map(([path, text]) => [path, Buffer.from(text).toString("base64")]));
  return gzipSync(JSON.stringify({ format: 1, files: encoded }));
}

test("packing the same files twice, or a copy of them made later elsewhere, gives the same bytes", () => {
  const first = packReleaseTree(repository);
  const copy = mkdtempSync(join(tmpdir(), "mcp-release-tree-copy-"));
  for (const folder of ["app/src", "app/fly"]) cpSync(join(repository, folder), join(copy, folder), { recursive: true });
  cpSync(join(repository, "app/package.json"), join(copy, "app/package.json"));
  assert.ok(first.equals(packReleaseTree(repository)));
  assert.equal(sha256(packReleaseTree(copy)), sha256(first));
});

test("a pack holds the app files the Fly image holds, no more and no fewer: no tests, no Worker runtime", () => {
  const paths = pathsIn(packReleaseTree(repository));
  assert.deepEqual(paths, dockerContextFiles(repository).filter((path) => path.startsWith("app/")));
  assert.ok(paths.includes(RELEASE_TREE_ENTRY));
  assert.ok(paths.includes("app/fly/start.sh"));
});

test("a release unpacked from its pack serves MCP, importing its npm packages through the node_modules link", { timeout: 60_000 }, async () => {
  const pack = packReleaseTree(repository);
  const tree = join(mkdtempSync(join(tmpdir(), "mcp-release-trees-")), "r-000000000001");
  unpackReleaseTree(pack, sha256(pack), tree, nodeModules);

  const server = await startServer({ entry: join(tree, RELEASE_TREE_ENTRY), env: { MCP_START_COMPUTE: "0" } });
  try {
    const health = (await (await fetch(new URL("/healthz", server.origin))).json()) as { ok: boolean };
    assert.equal(health.ok, true);
    const client = new Client({ name: "release-tree-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "echo"), `tools listed: ${tools.map((tool) => tool.name).join(", ")}`);
    const echoed = await client.callTool({ name: "echo", arguments: { text: "from the unpacked tree" } });
    assert.match(JSON.stringify(echoed.content), /from the unpacked tree/);
    await client.close();
  } finally {
    await server.stop();
  }
});

test("a pack whose bytes changed is refused, naming the expected and the actual sha256, and nothing is written", () => {
  const pack = packReleaseTree(repository);
  const expected = sha256(pack);
  const tampered = Buffer.from(pack);
  tampered[tampered.length - 5]! ^= 0xff;
  const parent = mkdtempSync(join(tmpdir(), "mcp-release-trees-"));
  assert.throws(() => unpackReleaseTree(tampered, expected, join(parent, "r"), nodeModules), (error: Error) => {
    assert.match(error.message, new RegExp(`expected ${expected}`));
    assert.ok(error.message.includes(sha256(tampered)), error.message);
    return true;
  });
  assert.deepEqual(readdirSync(parent), []);
});

test("a pack naming a path outside the tree is refused before anything is written", () => {
  const entry = { [RELEASE_TREE_ENTRY]: "console.log('hi');\n", "app/package.json": "{}" };
  const hostile: Record<string, string> = {
    "../escaped.ts": "dot segment",
    "app/src/../../escaped.ts": "dot segment",
    "/tmp/escaped.ts": "absolute",
    "app\\src\\escaped.ts": "backslash",
    "app/src//escaped.ts": "empty segment",
    "node_modules/zod/index.js": "not among app/package.json, app/src/ (less tests and the Worker) and app/fly/",
  };
  for (const [path, reason] of Object.entries(hostile)) {
    const pack = handMadePack({ ...entry, [path]: "export {};\n" });
    const parent = mkdtempSync(join(tmpdir(), "mcp-release-trees-"));
    assert.throws(() => unpackReleaseTree(pack, sha256(pack), join(parent, "r"), nodeModules), (error: Error) => {
      assert.ok(error.message.includes(`unsafe path ${JSON.stringify(path)} (${reason})`), error.message);
      return true;
    });
    assert.deepEqual(readdirSync(parent), [], path);
  }
});

test("a tree that fails while being written leaves no folder behind, half or whole", () => {
  // A file and a folder of the same name: the second write fails after the first succeeded.
  const pack = handMadePack({ [RELEASE_TREE_ENTRY]: "export {};\n", "app/src/a.ts": "x", "app/src/a.ts/b.ts": "y" });
  const parent = mkdtempSync(join(tmpdir(), "mcp-release-trees-"));
  assert.throws(() => unpackReleaseTree(pack, sha256(pack), join(parent, "r"), nodeModules), /could not be written/);
  assert.deepEqual(readdirSync(parent), []);
});

test("unpacking into a folder that exists is refused, and the folder is left as it was", () => {
  const pack = handMadePack({ [RELEASE_TREE_ENTRY]: "export {};\n" });
  const dest = join(mkdtempSync(join(tmpdir(), "mcp-release-trees-")), "r");
  mkdirSync(dest);
  writeFileSync(join(dest, "kept"), "kept");
  assert.throws(() => unpackReleaseTree(pack, sha256(pack), dest, nodeModules), /already exists/);
  assert.equal(readFileSync(join(dest, "kept"), "utf8"), "kept");
  assert.equal(existsSync(join(dest, "app")), false);
});
