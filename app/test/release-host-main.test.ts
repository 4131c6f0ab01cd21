// The Fly machine's entry (start.sh runs it): the image's own release from the
// image, another release from its packed tree fetched from the bucket and
// checked by sha256, both over one database; SIGTERM stops them all.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startLocalStore, type LocalStore } from "../../test/fixtures/release-store.ts";
import { spawnServing, type ServingProcess } from "../scripts/serving-process.ts";
import { RELEASE_HOST_READY } from "../src/runtimes/release-host/ready-line.ts";
import { packReleaseTree } from "../src/runtimes/release-host/release-tree.ts";
import { callUpstreamTool } from "../src/upstream/client.ts";
import { copyApp, type AppCopy } from "./support/app-copy.ts";
import { until } from "./support/until.ts";

const MAIN = fileURLToPath(new URL("../src/runtimes/release-host/main.ts", import.meta.url));
const SECRET = "release-host-main-secret-0123456789";
const OWN = "r-0wn000000000";
const PACKED = "r-9acced000000";

let store: LocalStore;
let green: AppCopy;
let dataDir: string;

before(async () => {
  store = await startLocalStore("acme-backups");
  green = copyApp();
  green.rewrite("src/tools/echo.ts", "handler: async ({ text }) => text,", "handler: async ({ text }) => `packed: ${text}`,");
  dataDir = mkdtempSync(join(tmpdir(), "release-host-main-"));
});
after(async () => {
  await store?.close();
  green?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The machine's entry, started as start.sh starts it; resolves once it says it is ready. */
function startHost(env: Record<string, string>): Promise<ServingProcess> {
  return spawnServing(process.execPath, [MAIN], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", MCP_DATA_DIR: dataDir, MCP_UPSTREAM_SECRET: SECRET, MCP_START_COMPUTE: "0", ...env },
    timeoutMs: 30_000,
    ready: RELEASE_HOST_READY,
  });
}

test("serves its own release from the image and another from its verified tree in the bucket, sends calls naming none to the live release the bucket names, and stops both on SIGTERM", async () => {
  const tree = packReleaseTree(green.root);
  const sha256 = createHash("sha256").update(tree).digest("hex");
  const key = `releases/${PACKED}/server-tree-${sha256.slice(0, 16)}.json.gz`;
  assert.equal((await fetch(`${store.endpoint}/${store.bucket}/${key}`, { method: "PUT", body: new Uint8Array(tree) })).status, 200);
  // The live release, as a cutover writes it: direct clients follow it, no machine update.
  assert.equal((await fetch(`${store.endpoint}/${store.bucket}/releases/direct.json`, { method: "PUT", body: JSON.stringify({ release: PACKED }) })).status, 200);

  const host = await startHost({
    MCP_DIRECT_RELEASE_KEY: "releases/direct.json",
    MCP_RELEASE: OWN,
    MCP_RELEASES: JSON.stringify([{ release: OWN }, { release: PACKED, tree: { key, sha256 } }]),
    LITESTREAM_BUCKET: store.bucket,
    LITESTREAM_REGION: "us-east-1",
    LITESTREAM_ENDPOINT: store.endpoint,
    LITESTREAM_ACCESS_KEY_ID: "S3RVER",
    LITESTREAM_SECRET_ACCESS_KEY: "S3RVER",
  });
  try {
    const { origin } = host;
    const echo = (release: string) => callUpstreamTool({ url: origin, secret: SECRET, release }, "echo", { text: "hi" }, { timeoutMs: 30_000 });
    assert.equal(await echo(OWN), "hi");
    assert.equal(await echo(PACKED), "packed: hi", host.output());
    const health = await (await fetch(new URL("/healthz", origin))).json();
    assert.deepEqual(health.releases.map((r: { release: string; state: string }) => [r.release, r.state]), [[OWN, "up"], [PACKED, "up"]]);
    // Read once at start, beside the processes coming up.
    await until(async () => (await (await fetch(new URL("/healthz", origin))).json()).direct === PACKED, 10_000, "the pointer read", host.output);
    assert.equal(await callUpstreamTool({ url: origin, secret: SECRET }, "echo", { text: "direct" }, { timeoutMs: 30_000 }), "packed: direct");
    assert.match(host.output(), new RegExp(`calls naming no release now go to ${PACKED} \\(was ${OWN}\\)`));
  } finally {
    await host.stop();
    assert.equal((await host.exited).code, 0, host.output());
  }
  assert.match(host.output(), /release-host: SIGTERM: stopping 2 release processes/);
});

test("a tree whose bytes do not match its sha256 is never run: its release waits and says why, the others serve", async () => {
  const key = `releases/r-bad000000000/server-tree.json.gz`;
  assert.equal((await fetch(`${store.endpoint}/${store.bucket}/${key}`, { method: "PUT", body: new Uint8Array(packReleaseTree(green.root)) })).status, 200);
  const host = await startHost({
    MCP_RELEASE: OWN,
    MCP_RELEASES: JSON.stringify([{ release: OWN }, { release: "r-bad000000000", tree: { key, sha256: "0".repeat(64) } }]),
    LITESTREAM_BUCKET: store.bucket,
    LITESTREAM_ENDPOINT: store.endpoint,
    LITESTREAM_ACCESS_KEY_ID: "S3RVER",
    LITESTREAM_SECRET_ACCESS_KEY: "S3RVER",
  });
  try {
    const { origin } = host;
    assert.equal(await callUpstreamTool({ url: origin, secret: SECRET, release: OWN }, "echo", { text: "still here" }, { timeoutMs: 30_000 }), "still here");
    const health = await (await fetch(new URL("/healthz", origin))).json();
    assert.equal(health.ok, true);
    assert.deepEqual(health.releases.map((r: { release: string; state: string }) => [r.release, r.state]), [[OWN, "up"], ["r-bad000000000", "starting"]]);
    assert.match(host.output(), /release r-bad000000000: its server tree is not available \(.*0{64}.*\); trying again/);
  } finally {
    await host.stop();
  }
});
