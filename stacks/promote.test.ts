/**
 * Promotion copies what staging serves live into prod's idle slot, only pins,
 * and the same artifacts (by sha256) reach prod.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { evaluateOffline, type Registration } from "../infra/plan/evaluate.ts";
import { localReleases } from "../infra/releases.ts";
import { buildStack } from "../infra/stack.ts";
import { runScript, scratchProject } from "../test/fixtures/commands.ts";
import { makeRelease, startLocalStore } from "../test/fixtures/release-store.ts";
import { named } from "../test/fixtures/registrations.ts";
import { parse as parseYaml } from "yaml";
import { parseStackFile, parseStackText } from "./load.ts";
import { releasePins } from "./pins.ts";
import { ArtifactStore } from "./release/store.ts";
import { applyEdits, documentPath } from "./stack-edit.ts";

/** Staging serves `next` live on green; prod serves `current` live on blue, no canary. */
function project() {
  const dir = scratchProject(["staging", "prod"]);
  const cache = join(dir, ".releases");
  const [current, older, next] = ["current", "older", "next"].map((tag) => makeRelease(cache, { tag }).manifest);
  const edit = (stack: string, edits: Parameters<typeof applyEdits>[1]) => {
    const file = join(dir, `Pulumi.${stack}.yaml`);
    writeFileSync(file, applyEdits(readFileSync(file, "utf8"), edits));
  };
  edit("staging", [
    { path: ["apiVersions", "v1", "slots", "blue", "release"], value: current!.release },
    { path: ["apiVersions", "v1", "slots", "green", "release"], value: next!.release },
    { path: ["fly", "release"], value: next!.release },
  ]);
  edit("prod", [
    { path: ["apiVersions", "v1", "slots", "blue", "release"], value: current!.release },
    { path: ["apiVersions", "v1", "slots", "green", "release"], value: older!.release },
    { path: ["apiVersions", "v1", "canaryPercent"], value: 0 },
    { path: ["apiVersions", "v2", "slots", "blue", "release"], value: current!.release },
    { path: ["apiVersions", "v2", "slots", "green", "release"], value: current!.release },
    { path: ["fly", "release"], value: current!.release },
  ]);
  return { dir, next: next! };
}

const sha256 = (base64: string) => createHash("sha256").update(Buffer.from(base64, "base64")).digest("hex");
const moduleSha = (registrations: Registration[], name: string) =>
  sha256((named(registrations, name).inputs.modules as { contentBase64: string }[])[0]!.contentBase64);
const modalSourceSha = (registrations: Registration[], name: string) =>
  (named(registrations, name).inputs.environment as Record<string, string>).MCP_MODAL_SOURCE_SHA256;

async function evaluate(dir: string, stack: string) {
  const { config } = parseStackFile(join(dir, `Pulumi.${stack}.yaml`));
  return (await evaluateOffline(stack, () => buildStack(config, { stack, releases: localReleases(dir), projectDir: dir }))).registrations;
}

test("promotion puts staging's live release into prod's idle slot, and the same artifact hashes reach prod", async () => {
  const { dir, next } = project();
  const run = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--api", "v1", "--root", dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`v1: green \\(idle\\) r-\\w+ → ${next.release}; blue stays live`));
  const prod = parseStackFile(join(dir, "Pulumi.prod.yaml")).config;
  assert.equal(prod.apiVersions.v1!.slots.green.release, next.release);
  assert.equal(prod.apiVersions.v1!.live, "blue", "the cutover stays a separate step");

  const staging = await evaluate(dir, "staging");
  const promoted = await evaluate(dir, "prod");
  const edge = next.artifacts["edge/worker.js"]!.sha256;
  assert.equal(moduleSha(staging, "edge-v1-green"), edge, "staging uploads the release's bundle");
  assert.equal(moduleSha(promoted, "edge-v1-green"), edge, "prod uploads the very same bytes");
  assert.equal(modalSourceSha(promoted, "modal-v1-green-deploy"), modalSourceSha(staging, "modal-v1-green-deploy"), "the same Modal sources");
  assert.equal(named(promoted, "fly-machine-iad").inputs.image, `registry.fly.io/mcp-hosting-prod:${next.release}`);
});

test("promotion edits pins and nothing else", async () => {
  const { dir } = project();
  const before = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
  await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--root", dir]);
  const after = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
  const changed = after.split("\n").filter((line, i) => line !== before.split("\n")[i]);
  assert.ok(changed.length > 0);
  for (const line of changed) assert.match(line, /^\s+release: r-[0-9a-f]{12}$/);
  // Everything but the pins is the same, key for key.
  const withoutPins = (text: string) => {
    const config = (parseYaml(text) as { config: Record<string, unknown> }).config;
    const pins = releasePins(parseStackText(text, { stack: "prod", source: "Pulumi.prod.yaml" }).config);
    for (const pin of pins) {
      const [first, ...rest] = documentPath(pin.path).slice(1);
      let at = config[first as string] as Record<string | number, unknown>;
      for (const key of rest.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
      delete at[rest.at(-1)!];
    }
    return config;
  };
  assert.deepEqual(withoutPins(after), withoutPins(before));
});

test("promotion refuses what staging does not serve live, and a prod whose idle slot takes canary traffic", async () => {
  const { dir } = project();
  const notLive = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--release", "r-000000000000", "--root", dir]);
  assert.equal(notLive.code, 1);
  assert.match(notLive.stderr, /--release r-000000000000 is not what staging serves live for v1 \(r-\w+\); promotion copies only what staging serves live/);

  const committed = scratchProject(["staging", "prod"]); // prod v1 has a 10% canary
  const canary = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--api", "v1", "--root", committed]);
  assert.equal(canary.code, 1);
  assert.match(canary.stderr, /prod v1 has a 10% canary on green: its idle slot is serving traffic/);
  assert.equal(readFileSync(join(committed, "Pulumi.prod.yaml"), "utf8"), readFileSync(join(import.meta.dirname, "..", "Pulumi.prod.yaml"), "utf8"));
});

test("a --dry-run prints the diff and writes nothing", async () => {
  const { dir } = project();
  const before = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
  const run = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--dry-run", "--root", dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^\+ +release: r-/m);
  assert.match(run.stdout, /dry run: nothing written/);
  assert.equal(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8"), before);
});

test("pin puts a fresh release into every idle slot of a stack and its Fly release, nothing else", async () => {
  const dir = scratchProject(["staging"]);
  const before = readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8");
  // Exists nowhere here: --unpublished is the spelled-out way to pin it unchecked.
  const run = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", "r-0123456789ab", "--unpublished", "--root", dir]);
  assert.equal(run.code, 0, run.stderr);
  const staging = parseStackFile(join(dir, "Pulumi.staging.yaml")).config;
  assert.equal(staging.apiVersions.v1!.slots.blue.release, "r-0123456789ab", "blue is staging's idle color");
  assert.equal(staging.apiVersions.v1!.live, "green");
  assert.equal(staging.fly.release, "r-0123456789ab");
  const changed = readFileSync(join(dir, "Pulumi.staging.yaml"), "utf8").split("\n").filter((line, i) => line !== before.split("\n")[i]);
  assert.deepEqual(changed, ["          release: r-0123456789ab", "    release: r-0123456789ab"]);
});

test("pin refuses a release that exists neither here nor in the artifact store, listing the ones that do; --unpublished lets it through", async () => {
  const store = await startLocalStore();
  try {
    const dir = scratchProject(["staging"]);
    const file = join(dir, "Pulumi.staging.yaml");
    writeFileSync(file, applyEdits(readFileSync(file, "utf8"), [{ path: ["artifactStore", "endpoint"], value: store.endpoint }]));
    const built = makeRelease(join(dir, ".releases"), { tag: "built-here" }).manifest.release;
    const elsewhere = makeRelease(join(dir, "published"), { tag: "published" });
    const client = new ArtifactStore({ bucket: store.bucket, region: "us-east-1", endpoint: store.endpoint }, store.env);
    await client.publish(elsewhere.dir);
    client.destroy();
    const before = readFileSync(file, "utf8");

    const typo = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", "r-0123456789ab", "--root", dir], store.env);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /^--release r-0123456789ab cannot be read here: release r-0123456789ab is neither in \.releases\/ nor in s3:\/\/acme-mcp-hosting-releases\/releases\//);
    assert.match(typo.stderr, new RegExp(`Known releases: here \\(\\.releases/\\): ${built}; published: ${elsewhere.manifest.release}\\.`));
    assert.match(typo.stderr, /--unpublished to pin it unchecked/);
    assert.equal(readFileSync(file, "utf8"), before, "nothing written");

    const forced = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", "r-0123456789ab", "--unpublished", "--root", dir], store.env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(parseStackFile(file).config.fly.release, "r-0123456789ab");
  } finally {
    await store.close();
  }
});

test("in CI, promote and pin refuse a release they cannot read (no store credentials), with the reason and exit 5; on a laptop it stays a note", async () => {
  const { dir } = project();
  // Staging's live release is readable nowhere: not in .releases/, and no AWS credentials for the store.
  const stagingFile = join(dir, "Pulumi.staging.yaml");
  writeFileSync(stagingFile, applyEdits(readFileSync(stagingFile, "utf8"), [{ path: ["apiVersions", "v1", "slots", "green", "release"], value: "r-00000000beef" }, { path: ["fly", "release"], value: "r-00000000beef" }]));
  const prodBefore = readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8");
  const noCredentials = { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" };

  const ci = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--api", "v1", "--root", dir], { ...noCredentials, CI: "true" });
  assert.equal(ci.code, 5, ci.stdout + ci.stderr);
  assert.match(ci.stderr, /^promote refused in CI: prod v1: comparing the Durable Object migrations of r-00000000beef with the live r-\w+ needs a release that cannot be read here:\n {2}r-00000000beef: release r-00000000beef is not in \.releases\/, and artifact store s3:\/\/acme-mcp-hosting-releases: no AWS credentials/);
  assert.match(ci.stderr, /expected the artifact store's read credentials in this job's environment/);
  assert.equal(readFileSync(join(dir, "Pulumi.prod.yaml"), "utf8"), prodBefore, "nothing pinned");

  const pinCi = await runScript("stacks/commands/pin.ts", ["--stack", "prod", "--release", "r-00000000beef", "--root", dir], { ...noCredentials, CI: "true" });
  assert.equal(pinCi.code, 1, "a release that cannot be read is refused by pin everywhere (it may be a typo)");
  const laptop = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--api", "v1", "--dry-run", "--root", dir], noCredentials);
  assert.equal(laptop.code, 0, laptop.stderr);
  assert.match(laptop.stdout, /v1: surface not compared: release r-00000000beef is not in \.releases\//);
});

test("in CI, a pin whose live release cannot be read is refused before it splits a possible migration release over the colors", async () => {
  const dir = scratchProject(["staging"]);
  const fresh = makeRelease(join(dir, ".releases"), { tag: "fresh" }).manifest.release;
  // The committed staging file serves r-8c2e5a1f9d07 live, which exists nowhere here.
  const ci = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", fresh, "--root", dir], { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", CI: "true" });
  assert.equal(ci.code, 5, ci.stdout + ci.stderr);
  assert.match(ci.stderr, /pin r-\w+ refused in CI: .*r-8c2e5a1f9d07: release r-8c2e5a1f9d07 is not in \.releases\//s);
  const rollback = await runScript("stacks/commands/rollback.ts", ["--stack", "staging", "--api", "v1", "--root", dir], { CI: "true" });
  assert.notEqual(rollback.code, 0);
});

test("a first deploy: pin --initial puts the release into both slots of every API version and Fly, without reading the example pins, in CI too", async () => {
  const dir = scratchProject(["staging", "prod"]);
  const first = makeRelease(join(dir, ".releases"), { tag: "first" }).manifest.release;
  const run = await runScript("stacks/commands/pin.ts", ["--stack", "staging", "--release", first, "--initial", "--json", "--root", dir], { CI: "true", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`v1: ${first} into both slots \\(first deploy: nothing is live yet`));
  const staging = parseStackFile(join(dir, "Pulumi.staging.yaml")).config;
  assert.deepEqual([staging.apiVersions.v1!.slots.blue.release, staging.apiVersions.v1!.slots.green.release, staging.fly.release], [first, first, first]);
  assert.deepEqual(JSON.parse(run.stdout.trim().split("\n").pop()!).apis, [], "nothing to cut over: both colors hold it");

  // Prod's first deploy takes what staging serves live; prod's v2 has nothing in staging to take.
  const refused = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--initial", "--root", dir], { CI: "true" });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--initial: prod has v2, which staging does not serve, so a first deploy has no release for it \(expected every API version of prod in staging: remove v2 from Pulumi\.prod\.yaml, or add it to staging with npm run api:add\)/);
  const prodFile = join(dir, "Pulumi.prod.yaml");
  writeFileSync(prodFile, applyEdits(readFileSync(prodFile, "utf8"), [{ path: ["apiVersions", "v2"], remove: true }, { path: ["apiVersions", "v1", "canaryPercent"], value: 0 }]));
  const promoted = await runScript("stacks/commands/promote.ts", ["--from", "staging", "--to", "prod", "--initial", "--root", dir], { CI: "true", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" });
  assert.equal(promoted.code, 0, promoted.stderr);
  const prod = parseStackFile(prodFile).config;
  assert.deepEqual([prod.apiVersions.v1!.slots.blue.release, prod.apiVersions.v1!.slots.green.release, prod.fly.release], [first, first, first]);
});
