/**
 * Publishing and fetching releases against a local S3-compatible server.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type LocalStore, makeRelease, startLocalStore } from "../../test/fixtures/release-store.ts";
import { verifyReleaseDir } from "./manifest.ts";
import { ArtifactStore } from "./store.ts";

let local: LocalStore;
let store: ArtifactStore;
before(async () => {
  local = await startLocalStore();
  store = new ArtifactStore({ bucket: local.bucket, region: "us-east-1", endpoint: local.endpoint }, local.env);
});
after(async () => {
  store.destroy();
  await local.close();
});

const cache = () => mkdtempSync(join(tmpdir(), "mcp-releases-"));

/** Finds the file s3rver keeps for an object key (its layout: <bucket>/<key>._S3rver_object). */
function storedObject(key: string): string {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
  const found = walk(join(local.directory, local.bucket)).find((path) => path.endsWith(`${key}._S3rver_object`));
  assert.ok(found, `no stored object for ${key}`);
  return found;
}

test("a published release comes back byte for byte on another machine, verified", async () => {
  const built = makeRelease(cache(), { tag: "roundtrip" });
  assert.deepEqual(await store.publish(built.dir), { manifest: built.manifest, uploaded: true });
  const elsewhere = cache();
  const fetched = await store.fetch(built.manifest.release, elsewhere);
  assert.deepEqual(fetched, built.manifest);
  assert.deepEqual(verifyReleaseDir(join(elsewhere, built.manifest.release), built.manifest.release), built.manifest);
  assert.equal(readFileSync(join(elsewhere, built.manifest.release, "edge/worker.js"), "utf8"), readFileSync(join(built.dir, "edge/worker.js"), "utf8"));
});

test("publishing the same release again uploads nothing", async () => {
  const built = makeRelease(cache(), { tag: "twice" });
  await store.publish(built.dir);
  assert.equal((await store.publish(built.dir)).uploaded, false);
});

test("a release changed in the store is refused on fetch, and nothing lands in the cache", async () => {
  const built = makeRelease(cache(), { tag: "tampered" });
  await store.publish(built.dir);
  appendFileSync(storedObject(`releases/${built.manifest.release}/edge/worker.js`), "// injected\n");
  const elsewhere = cache();
  await assert.rejects(store.fetch(built.manifest.release, elsewhere), /edge\/worker\.js has sha256 \w+… but the manifest says \w+… \(refusing a changed artifact\)/);
  assert.deepEqual(readdirSync(elsewhere), []);
});

test("a release id that is not published says so and how to publish it", async () => {
  await assert.rejects(store.fetch("r-000000000000", cache()), /release r-000000000000 is not in s3:\/\/acme-mcp-hosting-releases\/releases\/ \(expected it published with npm run release:publish\)/);
});

test("a local release whose files no longer match its manifest is not published", async () => {
  const built = makeRelease(cache(), { tag: "edited" });
  writeFileSync(join(built.dir, "modal", "compute.py"), "def add(a, b):\n    return a - b\n");
  await assert.rejects(store.publish(built.dir), /modal\/compute\.py has sha256/);
  assert.equal(await store.manifest(built.manifest.release), undefined);
});

test("without credentials the store says which variables it reads", () => {
  assert.throws(() => new ArtifactStore({ bucket: "b-releases", region: "us-east-1" }, {}), /no AWS credentials \(expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment\)/);
});
