/**
 * A bad config is refused at the boundary, with the path of the bad value and
 * what was expected, before the program registers a single resource.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, StackConfigError } from "../stacks/load.ts";
import { builtinAuthBlock, clone, type RawStack, setStackConfig, validRawStack } from "../test/fixtures/stack-config.ts";
import { testReleases } from "../test/fixtures/releases.ts";
import { runStackProgram } from "../test/fixtures/stack-program.ts";
import { recordRegistrations } from "./plan/evaluate.ts";

const releases = testReleases();

/** Runs what infra/index.ts runs, under mocks. */
const runProgram = (raw: RawStack, source = releases) => runStackProgram(raw, source);

type Edit = (raw: any) => void;

/** A built-in mode block whose upstream has `changes` (undefined removes a key). */
function builtinAuthWith(changes: Record<string, unknown>) {
  const auth = builtinAuthBlock() as { upstream: Record<string, unknown> };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete auth.upstream[key];
    else auth.upstream[key] = value;
  }
  return auth;
}
const corpus: [string, Edit, string][] = [
  ["an unknown Fly region", (r) => (r.fly.regions = ["iad", "lax", "xyz"]), 'fly.regions[2]: "xyz" is not a Fly region (expected one of ams, arn, bom,'],
  ["a route without its slash", (r) => (r.apiVersions.v2 = { ...r.apiVersions.v1, route: "v2" }), "apiVersions.v2.route: must start with /"],
  ["a badly named API version", (r) => (r.apiVersions.version2 = r.apiVersions.v1), 'apiVersions.version2: "version2" is not an API version name (expected v1, v2, …)'],
  ["a live color that is not a color", (r) => (r.apiVersions.v1.live = "red"), 'apiVersions.v1.live: "red" is not a color (expected blue or green)'],
  ["a canary above 100%", (r) => (r.apiVersions.v1.canaryPercent = 150), "apiVersions.v1.canaryPercent: 150 is above 100 (expected 0..100)"],
  ["a release that is not content-addressed", (r) => (r.apiVersions.v1.slots.green.release = "latest"), 'apiVersions.v1.slots.green.release: "latest" is not a release id (expected r-<12 hex> or local)'],
  ["a primary region outside the regions", (r) => (r.fly.primaryRegion = "ams"), 'fly.primaryRegion: "ams" is not one of fly.regions (expected one of iad)'],
  ["images taken from the stack's own app", (r) => (r.fly.imageFrom = r.fly.app), "fly.imageFrom: \"mcp-hosting-test\" is this stack's own app (expected another app, e.g. staging's, or no imageFrom)"],
  ["a release's memory limit that leaves the machine nothing", (r) => (r.fly.releaseMemoryMb = 512), "fly.releaseMemoryMb: 512 leaves the release host and Litestream less than 128 MB of the machine's 512 (expected at most 384)"],
  ["a region listed twice", (r) => (r.fly.regions = ["iad", "lax", "iad"]), 'fly.regions[2]: "iad" is listed twice (first at fly.regions[0])'],
  ["memory a machine size cannot take", (r) => (r.fly.machine = { size: "performance-1x", memoryMb: 1024 }), "fly.machine.memoryMb: 1024 does not fit performance-1x (expected 2048..8192, a multiple of 2048)"],
  ["an unknown machine size", (r) => (r.fly.machine.size = "shared-cpu-3x"), 'fly.machine.size: "shared-cpu-3x" is not a Fly machine size (expected one of shared-cpu-1x,'],
  ["an empty volume", (r) => (r.fly.volumeSizeGb = 0), "fly.volumeSizeGb: 0 is below 1 (expected 1..500)"],
  ["a volume size given as words", (r) => (r.fly.volumeSizeGb = "ten"), 'fly.volumeSizeGb: expected number, got string "ten"'],
  ["an AWS region without its number", (r) => (r.backup.region = "us-east"), 'backup.region: "us-east" is not an AWS region (expected one of af-south-1,'],
  ["an AWS region that does not exist", (r) => (r.backup.region = "us-east-9"), 'backup.region: "us-east-9" is not an AWS region (expected one of af-south-1,'],
  ["a backup prefix without its slash", (r) => (r.backup.prefix = "litestream"), 'backup.prefix: "litestream" is not a key prefix (expected e.g. litestream/, ending in /)'],
  ["a zone id that is not one", (r) => (r.zoneId = "example.com"), 'zoneId: "example.com" is not a Cloudflare zone id (expected 32 lowercase hex characters)'],
  ["a Modal scaledown window below Modal's minimum", (r) => (r.modal.scaledownWindow = 1), "modal.scaledownWindow: 1 is below 2 (expected 2..3600)"],
  ["an unknown GPU for a tool", (r) => (r.modal.tools = { csv_cluster: { gpu: "A200" } }), 'modal.tools.csv_cluster.gpu: "A200" is not a Modal GPU type (expected one of none, T4, L4, A10, A10G, L40S, A100, A100-40GB, A100-80GB, H100, H100!, H200, B200, B200+; modal.com/docs/guide/gpu)'],
  ["more warm containers than the most", (r) => (r.modal.tools = { csv_cluster: { minContainers: 3, maxContainers: 2 } }), "modal.tools.csv_cluster.minContainers: minContainers is above maxContainers"],
  ["GPU settings for a tool without its own Function", (r) => (r.modal.tools = { echo: { gpu: "T4" } }), "modal.tools.echo: no tool named echo declares compute of its own, in a pinned release or in this tree (expected one of: csv_cluster)"],
  ["a missing secret", (r) => delete r.upstreamSecret, "upstreamSecret: secret is missing (set it with: pulumi config set --secret upstreamSecret <value>)"],
  ["a misspelt key", (r) => ((r.fly.regoins = r.fly.regions), delete r.fly.regions), "fly.regoins: unknown key (expected one of org, app, primaryRegion, regions,"],
  ["a misspelt top-level key", (r) => ((r.domian = r.domain), delete r.domain), "domian: unknown key (expected one of domain, zoneId,"],
  ["two versions on one route", (r) => (r.apiVersions.v2 = clone(r.apiVersions.v1)), 'apiVersions.v2.route: "/v1" is already the route of v1'],
  ["a pinned release with no artifact store", (r) => delete r.artifactStore, 'fly.release: "r-8c2e5a1f9d07" pins a release but artifactStore is not set (expected artifactStore or local)'],
  ["no API version at all", (r) => (r.apiVersions = {}), "apiVersions: at least one API version is required (e.g. v1)"],
  ["cost shares that do not add up", (r) => (r.cost = { placement: { edge: 0.9, fly: 0.3, modal: 0 } }), "cost.placement: edge + fly + modal add up to 1.2 (expected 1)"],
  ["a cost price that does not exist", (r) => (r.cost = { prices: { flyMachine: 2 } }), "cost.prices.flyMachine: unknown key (expected one of workersPaidPlan,"],
  ["an issuer over plain HTTP", (r) => (r.auth = { issuer: "http://auth.example.com" }), 'auth.issuer: "http://auth.example.com" is not an issuer URL (expected https://…'],
  ["offline_access as a resource scope", (r) => (r.auth = { issuer: "https://auth.example.com/", scopes: ["mcp", "offline_access"] }), "auth.scopes[1]: offline_access is for clients to ask the authorization server"],
  ["a tool scope list left empty", (r) => (r.auth = { issuer: "https://auth.example.com/", toolScopes: { kb_put: [] } }), "auth.toolScopes.kb_put: must list at least one scope"],
  ["a misspelt auth key", (r) => (r.auth = { issuer: "https://auth.example.com/", scope: ["mcp"] }), "auth.scope: unknown key (expected one of mode, issuer, upstream, scopes, toolScopes)"],
  ["an auth mode that does not exist", (r) => (r.auth = { mode: "internal", issuer: "https://auth.example.com/" }), 'auth.mode: "internal" is not an auth mode (expected issuer or builtin)'],
  ["an outside issuer's block without its issuer", (r) => (r.auth = { scopes: ["mcp"] }), "auth.issuer: is required (expected https://…, exactly as in the tokens' iss; or mode: builtin"],
  ["an upstream beside an outside issuer", (r) => (r.auth = { issuer: "https://auth.example.com/", upstream: builtinAuthBlock().upstream }), "auth.upstream: is for mode: builtin"],
  ["an issuer in the built-in mode", (r) => (r.auth = { ...builtinAuthBlock(), issuer: "https://auth.example.com/" }), "auth.issuer: is the edge's own origin in mode builtin (expected no issuer: tokens are issued at https://<domain>)"],
  ["the built-in mode without an upstream", (r) => (r.auth = { mode: "builtin" }), "auth.upstream: is required in mode builtin (expected provider, clientId and clientSecret"],
  ["an upstream provider there is no sign-in for", (r) => (r.auth = builtinAuthWith({ provider: "gitlab" })), 'auth.upstream.provider: "gitlab" is not an upstream provider (expected one of github, google, oidc)'],
  ["an OpenID Connect provider without its issuer", (r) => (r.auth = builtinAuthWith({ provider: "oidc" })), "auth.upstream.issuer: is required for provider oidc (expected the provider's https:// issuer URL)"],
  ["an OpenID Connect issuer with a query", (r) => (r.auth = builtinAuthWith({ provider: "oidc", issuer: "https://login.acme.com/?tenant=1" })), 'auth.upstream.issuer: "https://login.acme.com/?tenant=1" is not an OpenID Connect issuer URL (expected https://…, no query or fragment'],
  ["an issuer for GitHub, whose issuer is known", (r) => (r.auth = builtinAuthWith({ issuer: "https://github.com" })), "auth.upstream.issuer: is for provider oidc only (github's issuer is known; expected no issuer)"],
  ["an upstream without its client id", (r) => (r.auth = builtinAuthWith({ clientId: undefined })), "auth.upstream.clientId: is required"],
  ["an upstream without its client secret", (r) => (r.auth = builtinAuthWith({ clientSecret: undefined })), "auth.upstream.clientSecret: secret is missing (set it with: pulumi config set --secret --path auth.upstream.clientSecret <value>)"],
  ["a collector over plain HTTP", (r) => (r.telemetry = { otlpEndpoint: "http://otlp.example.com" }), 'telemetry.otlpEndpoint: "http://otlp.example.com" is not a collector URL (expected https://…'],
  ["export headers without a collector", (r) => (r.telemetry = {}), "otlpHeaders: is set but telemetry.otlpEndpoint is not (expected both, or neither"],
  ["a dataset name SQL cannot name", (r) => (r.telemetry.dataset = "mcp-calls"), 'telemetry.dataset: "mcp-calls" is not a dataset name (expected a-z, 0-9 and _'],
  ["a guard threshold below its range", (r) => (r.telemetry.guard = { maxErrorRateRatio: 0.5 }), "telemetry.guard.maxErrorRateRatio: 0.5 is below 1 (expected 1..100)"],
];

for (const [what, edit, expected] of corpus) {
  test(`${what} is refused by path and nothing is registered`, async () => {
    const raw = validRawStack();
    edit(raw);
    const { error, registrations } = await runProgram(raw);
    assert.ok(error instanceof StackConfigError, `expected a StackConfigError, got ${String(error)}`);
    assert.ok(
      error.issues.some((line) => line.startsWith(expected)),
      `expected a line starting with\n  ${expected}\ngot\n  ${error.issues.join("\n  ")}`,
    );
    assert.equal(registrations.length, 0);
  });
}

test("the AWS provider's region in the same stack file is checked too", async () => {
  const registrations = await recordRegistrations("test");
  setStackConfig(validRawStack());
  pulumi.runtime.setConfig("aws:region", "us-east-9");
  assert.throws(() => loadStackConfig(new pulumi.Config()), (error: unknown) => {
    assert.ok(error instanceof StackConfigError);
    assert.match(error.issues.join("\n"), /^aws:region: "us-east-9" is not an AWS region \(expected one of af-south-1,/m);
    return true;
  });
  await pulumi.runtime.disconnect();
  assert.equal(registrations.length, 0);
});

test("every problem of a config comes back in one error, one line each", async () => {
  const raw = validRawStack() as any;
  raw.fly.regions = ["iad", "xyz"];
  raw.backup.region = "nowhere";
  delete raw.modalTokenSecret;
  const { error, registrations } = await runProgram(raw);
  assert.ok(error instanceof StackConfigError);
  assert.deepEqual(
    error.issues.map((line) => line.split(":")[0]),
    ["fly.regions[1]", "backup.region", "modalTokenSecret"],
  );
  assert.equal(error.message.split("\n").length, 4);
  assert.equal(registrations.length, 0);
});

test("a slot pinning a release the Fly machines cannot run (built before releases carried their server code) stops the program before anything registers", async () => {
  const raw = validRawStack() as any;
  const old = raw.apiVersions.v1.slots.blue.release;
  assert.notEqual(old, raw.fly.release);
  const withoutTree = { resolve: (release: string) => ({ ...releases.resolve(release), ...(release === old ? { flyTree: undefined } : {}) }) };
  const { error, registrations } = await runProgram(raw, withoutTree);
  assert.ok(error instanceof StackConfigError, String(error));
  assert.match(error.message, new RegExp(`apiVersions\\.v1\\.slots\\.blue\\.release: ${old} has no packed Fly server code .* \\(expected a release rebuilt with npm run release:build, or fly\\.release: ${old}\\)`));
  assert.equal(registrations.length, 0);
});

test("a valid config goes through the same boundary and registers the stack", async () => {
  const { error, registrations } = await runProgram(validRawStack());
  assert.equal(error, undefined);
  assert.ok(registrations.length > 0);
});

test("a cost block is accepted by the program and changes nothing it registers", async () => {
  const plain = await runProgram(validRawStack());
  const raw = validRawStack();
  raw.cost = { toolCallsPerMonth: 5_000_000, placement: { edge: 0.2, fly: 0.2, modal: 0.6 }, modalGpu: "T4", prices: { flyVolume: 0.2 } };
  const withCost = await runProgram(raw);
  assert.equal(withCost.error, undefined);
  const shape = (r: typeof plain.registrations) => r.map((x) => `${x.type} ${x.name}`);
  assert.deepEqual(shape(withCost.registrations), shape(plain.registrations));
  assert.ok(withCost.registrations.every((x) => !JSON.stringify(x.inputs).includes("toolCallsPerMonth")), "no resource receives the cost block");
});
