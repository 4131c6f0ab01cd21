/**
 * The entry point as Pulumi runs it: imported as an ES module, from infra/ (the
 * directory of Pulumi.yaml's `main`), under mocks.
 */
import assert from "node:assert/strict";
import { rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { named } from "../test/fixtures/registrations.ts";
import { setStackConfig, validRawStack } from "../test/fixtures/stack-config.ts";
import { makeRelease, startLocalStore } from "../test/fixtures/release-store.ts";
import { recordRegistrations, resolveAll } from "./plan/evaluate.ts";

const root = join(import.meta.dirname, "..");

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

/** A release in the local release cache, as release:build or the artifact store would leave it. */
function cacheRelease(): { release: string; cleanUp: () => void } {
  const { manifest, dir, created } = makeRelease(join(root, ".releases"), { tag: "index-test" });
  return {
    release: manifest.release,
    cleanUp: () => {
      if (created) rmSync(dir, { recursive: true, force: true });
      try {
        rmdirSync(join(root, ".releases")); // only if nothing else is cached there
      } catch {}
    },
  };
}

test("a bad config stops the program with a message naming each bad path, and nothing is registered", async () => {
  const registrations = await recordRegistrations("dev");
  const raw = stackPinnedTo("r-0000000000ff");
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

test("a release neither here nor in the artifact store stops the program with what to do", async () => {
  const store = await startLocalStore();
  const saved = { ...process.env };
  Object.assign(process.env, store.env);
  try {
    const registrations = await recordRegistrations("dev");
    const raw = stackPinnedTo("r-00000000dead");
    raw.artifactStore = { bucket: store.bucket, region: "us-east-1", endpoint: store.endpoint };
    setStackConfig(raw);
    await assert.rejects(import(entryPoint("missing-release")), (error: unknown) => {
      assert.ok(pulumi.RunError.isInstance(error), "a RunError is shown without a stack trace");
      assert.match((error as Error).message, /release r-00000000dead is not in s3:\/\/acme-mcp-hosting-releases\/releases\/ \(expected it published with npm run release:publish\)/);
      return true;
    });
    await pulumi.runtime.disconnect();
    assert.equal(registrations.length, 0);
  } finally {
    process.env = saved;
    await store.close();
  }
});

test("run from infra/, the program finds its release and runs the Modal CLI at the project root", async () => {
  const cwd = process.cwd();
  const { release, cleanUp } = cacheRelease();
  process.chdir(join(root, "infra"));
  try {
    const registrations = await recordRegistrations("dev");
    setStackConfig(stackPinnedTo(release));
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
    assert.match(String(deploy.create), new RegExp(`^modal deploy '\\.releases/${release}/modal/modal_app\\.py' `));
  } finally {
    process.chdir(cwd);
    cleanUp();
  }
});
