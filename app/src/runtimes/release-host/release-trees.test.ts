import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { packReleaseTree, RELEASE_TREE_ENTRY } from "./release-tree.ts";
import { ensureReleaseTree } from "./release-trees.ts";

const nodeModules = join(import.meta.dirname, "..", "..", "..", "..", "node_modules");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A small repository-shaped tree, packed: the cache does not care what the server code says. */
function smallPack(text = "console.log('release');\n"): Buffer {
  const root = mkdtempSync(join(tmpdir(), "mcp-small-tree-"));
  mkdirSync(join(root, "app/src/runtimes"), { recursive: true });
  writeFileSync(join(root, "app/package.json"), '{ "type": "module" }\n');
  writeFileSync(join(root, RELEASE_TREE_ENTRY), text);
  return packReleaseTree(root);
}

/** A fetchTree that counts its calls. */
function countingFetch(pack: Buffer) {
  const fetchTree = async () => {
    fetchTree.calls += 1;
    // Let the other callers arrive while this fetch is "on the network".
    await new Promise((resolve) => setImmediate(resolve));
    return pack;
  };
  fetchTree.calls = 0;
  return fetchTree;
}

test("two callers asking for the same release at once share one fetch and one folder", async () => {
  const pack = smallPack();
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-release-cache-"));
  const fetchTree = countingFetch(pack);
  const options = { release: "r-000000000001", sha256: sha256(pack), cacheDir, nodeModules, fetchTree };
  const [first, second] = await Promise.all([ensureReleaseTree(options), ensureReleaseTree(options)]);
  assert.equal(fetchTree.calls, 1);
  assert.equal(first, second);
  assert.equal(first, join(cacheDir, `r-000000000001-${sha256(pack).slice(0, 12)}`));
  assert.equal(readFileSync(join(first, RELEASE_TREE_ENTRY), "utf8"), "console.log('release');\n");
});

test("a whole cached tree is used again without fetching, as after a restart", async () => {
  const pack = smallPack();
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-release-cache-"));
  const options = { release: "r-000000000001", sha256: sha256(pack), cacheDir, nodeModules };
  const dir = await ensureReleaseTree({ ...options, fetchTree: countingFetch(pack) });
  const again = countingFetch(pack);
  assert.equal(await ensureReleaseTree({ ...options, fetchTree: again }), dir);
  assert.equal(again.calls, 0);
});

test("a cached tree that lost a file is fetched again and made whole", async () => {
  const pack = smallPack();
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-release-cache-"));
  const options = { release: "r-000000000001", sha256: sha256(pack), cacheDir, nodeModules };
  const dir = await ensureReleaseTree({ ...options, fetchTree: countingFetch(pack) });
  rmSync(join(dir, RELEASE_TREE_ENTRY));
  const again = countingFetch(pack);
  assert.equal(await ensureReleaseTree({ ...options, fetchTree: again }), dir);
  assert.equal(again.calls, 1);
  assert.equal(readFileSync(join(dir, RELEASE_TREE_ENTRY), "utf8"), "console.log('release');\n");
  assert.deepEqual(readdirSync(cacheDir), [`r-000000000001-${sha256(pack).slice(0, 12)}`]);
});

test("a fetch that brings other bytes fails for every waiting caller, caches nothing, and a later call fetches again", async () => {
  const pack = smallPack();
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-release-cache-"));
  const options = { release: "r-000000000001", sha256: sha256(pack), cacheDir, nodeModules };
  const wrong = countingFetch(smallPack("console.log('another release');\n"));
  const results = await Promise.allSettled([ensureReleaseTree({ ...options, fetchTree: wrong }), ensureReleaseTree({ ...options, fetchTree: wrong })]);
  assert.equal(wrong.calls, 1);
  for (const result of results) {
    assert.equal(result.status, "rejected");
    assert.match(String((result as PromiseRejectedResult).reason), new RegExp(`expected ${sha256(pack)}`));
  }
  assert.deepEqual(readdirSync(cacheDir), []);
  const right = countingFetch(pack);
  await ensureReleaseTree({ ...options, fetchTree: right });
  assert.equal(right.calls, 1);
});

test("a release id that would name a folder outside the cache is refused without fetching", async () => {
  const fetchTree = countingFetch(smallPack());
  const cacheDir = mkdtempSync(join(tmpdir(), "mcp-release-cache-"));
  await assert.rejects(ensureReleaseTree({ release: "../r-1", sha256: "0".repeat(64), cacheDir, nodeModules, fetchTree }), /release "\.\.\/r-1": expected letters/);
  assert.equal(fetchTree.calls, 0);
});
