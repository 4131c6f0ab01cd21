/**
 * The entry point as Pulumi runs it: imported as an ES module, from infra/ (the
 * directory of Pulumi.yaml's `main`), under mocks.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { named } from "../test/fixtures/registrations.ts";
import { setStackConfig, validRawStack } from "../test/fixtures/stack-config.ts";
import { recordRegistrations, resolveAll } from "./plan/evaluate.ts";

const root = join(import.meta.dirname, "..");
const RELEASE = "r-0000000000ff";

/** Each import gets its own module instance, as each `pulumi up` gets its own process. */
function entryPoint(run: string): string {
  return new URL(`./index.ts?${run}`, import.meta.url).href;
}

function stackPinnedTo(release: string) {
  const raw = validRawStack() as any;
  raw.fly.release = release;
  raw.apiVersions.v1.slots = { blue: { release }, green: { release } };
  return raw;
}

/** A release in the local release cache, as the artifact store would leave it. */
function cacheRelease(release: string): () => void {
  const dir = join(root, ".releases", release);
  mkdirSync(join(dir, "edge"), { recursive: true });
  mkdirSync(join(dir, "modal"), { recursive: true });
  writeFileSync(join(dir, "edge", "worker.js"), "export default { fetch() { return new Response('ok'); } };\n");
  writeFileSync(join(dir, "modal", "modal_app.py"), "import modal\n");
  return () => {
    rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(join(root, ".releases")); // only if nothing else is cached there
    } catch {}
  };
}

test("a bad config stops the program with a message naming each bad path, and nothing is registered", async () => {
  const registrations = await recordRegistrations("dev");
  const raw = stackPinnedTo(RELEASE);
  raw.fly.regions = ["iad", "xyz"];
  setStackConfig(raw);
  await assert.rejects(import(entryPoint("bad-config")), (error: unknown) => {
    assert.ok(pulumi.RunError.isInstance(error), "a RunError is shown without a stack trace");
    assert.match((error as Error).message, /fly\.regions\[1\]: "xyz" is not a Fly region/);
    return true;
  });
  await pulumi.runtime.disconnect();
  assert.equal(registrations.length, 0);
});

test("a release missing from this machine stops the program with what to do", async () => {
  const registrations = await recordRegistrations("dev");
  setStackConfig(stackPinnedTo("r-00000000dead"));
  await assert.rejects(import(entryPoint("missing-release")), /release r-00000000dead: \.releases\/r-00000000dead\/edge\/worker\.js does not exist \(fetch release r-00000000dead into \.releases\/ first\)/);
  await pulumi.runtime.disconnect();
  assert.equal(registrations.length, 0);
});

test("run from infra/, the program finds its release and runs the Modal CLI at the project root", async () => {
  const cwd = process.cwd();
  const cleanUp = cacheRelease(RELEASE);
  process.chdir(join(root, "infra"));
  try {
    const registrations = await recordRegistrations("dev");
    setStackConfig(stackPinnedTo(RELEASE));
    const program = (await import(entryPoint("from-infra"))) as Record<string, unknown>;
    const outputs = await resolveAll({ urls: program.urls, flyApp: program.flyApp, backupBucket: program.backupBucket });
    await pulumi.runtime.disconnect();
    assert.deepEqual(outputs, {
      urls: { v1: "https://mcp.example.com/v1/mcp" },
      flyApp: "mcp-hosting-test",
      backupBucket: "acme-mcp-hosting-test-backups",
    });
    const deploy = named(registrations, "modal-v1-blue-deploy").inputs;
    assert.equal(deploy.dir, "..");
    assert.match(String(deploy.create), new RegExp(`^modal deploy '\\.releases/${RELEASE}/modal/modal_app\\.py' `));
  } finally {
    process.chdir(cwd);
    cleanUp();
  }
});
