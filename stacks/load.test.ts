import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { issuesOf } from "../test/fixtures/config-issues.ts";
import { setStackConfig, validRawStack } from "../test/fixtures/stack-config.ts";
import { formatPath } from "./config-error.ts";
import { loadStackConfig, parseStackFile, parseStackText } from "./load.ts";
import { SECRET_KEYS } from "./schema.ts";

const root = join(import.meta.dirname, "..");

function stackFileWith(edit: (text: string) => string, stack = "edited"): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-stack-"));
  const path = join(dir, `Pulumi.${stack}.yaml`);
  writeFileSync(path, edit(readFileSync(join(root, "Pulumi.staging.yaml"), "utf8")));
  return path;
}

test("the committed staging and prod stacks are valid", () => {
  const staging = parseStackFile(join(root, "Pulumi.staging.yaml"));
  const prod = parseStackFile(join(root, "Pulumi.prod.yaml"));
  assert.equal(staging.stack, "staging");
  assert.deepEqual(staging.config.fly.regions, ["iad"]);
  assert.equal(prod.stack, "prod");
  assert.deepEqual(prod.config.fly.regions, ["iad", "lax", "ams", "nrt"]);
  assert.deepEqual(Object.keys(prod.config.apiVersions), ["v1", "v2"]);
});

test("secure values of a stack file become secret Outputs, never strings", async () => {
  const { config } = parseStackFile(join(root, "Pulumi.prod.yaml"));
  for (const key of SECRET_KEYS) {
    const value = config[key];
    assert.ok(pulumi.Output.isInstance(value), `${key} is an Output`);
    assert.equal(await pulumi.isSecret(value), true, `${key} is secret`);
  }
});

test("a secret written in plain text in a stack file is refused", () => {
  const path = stackFileWith((text) => text.replace(/mcp-hosting:modalTokenId:\n\s+secure: \S+/, "mcp-hosting:modalTokenId: ak-123"));
  assert.deepEqual(issuesOf(() => parseStackFile(path)), [
    "modalTokenId: is stored in plain text (expected a secure: value; run pulumi config set --secret modalTokenId <value>)",
  ]);
});

test("a secure value where plain config belongs is refused with its path", () => {
  const path = stackFileWith((text) => text.replace("    org: acme", "    org:\n      secure: v1:abc"));
  assert.ok(issuesOf(() => parseStackFile(path)).includes("fly.org: is a secure value (expected plain config; secrets are upstreamSecret, authToken, modalTokenId, modalTokenSecret, otlpHeaders, auth.upstream.clientSecret)"));
});

const BUILTIN_AUTH = (clientSecret: string) =>
  `  mcp-hosting:auth:\n    mode: builtin\n    upstream:\n      provider: google\n      clientId: 123.apps.googleusercontent.com\n      clientSecret:${clientSecret}\n`;

test("the upstream client secret of the built-in mode is the one secure value a settings block may hold, and stays a secret Output", async () => {
  const path = stackFileWith((text) => text.replace("  mcp-hosting:upstreamSecret:", `${BUILTIN_AUTH("\n        secure: v1:abc")}  mcp-hosting:upstreamSecret:`));
  const { config } = parseStackFile(path);
  assert.equal(config.auth?.mode, "builtin");
  const secret = config.auth?.mode === "builtin" ? config.auth.upstream.clientSecret : undefined;
  assert.ok(pulumi.Output.isInstance(secret));
  assert.equal(await pulumi.isSecret(secret!), true);
});

test("an upstream client secret written in plain text in a stack file is refused, with the command that stores it", () => {
  const path = stackFileWith((text) => text.replace("  mcp-hosting:upstreamSecret:", `${BUILTIN_AUTH(" s3cr3t")}  mcp-hosting:upstreamSecret:`));
  assert.deepEqual(issuesOf(() => parseStackFile(path)), [
    "auth.upstream.clientSecret: is stored in plain text (expected a secure: value; run pulumi config set --secret --path auth.upstream.clientSecret <value>)",
  ]);
});

test("a stack file that is not YAML names the file and the problem", () => {
  const path = stackFileWith((text) => `${text}\n  mcp-hosting:broken: [unclosed\n`);
  const [line = ""] = issuesOf(() => parseStackFile(path));
  assert.match(line, /^\(yaml\): /);
});

test("inside a program, config is read once and secrets stay secret Outputs", async () => {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "mcp-hosting", "test");
  setStackConfig(validRawStack());
  const config = loadStackConfig(new pulumi.Config());
  for (const key of SECRET_KEYS) assert.equal(await pulumi.isSecret(config[key] as pulumi.Output<string>), true, `${key} is secret`);
  assert.equal(config.fly.regions.length, 1);
});

test("the Modal web suffix has no default: without one, or with one Modal could not have, the stack is refused", () => {
  assert.equal(parseStackFile(join(root, "Pulumi.prod.yaml")).config.modal.webSuffix, "", "the environment without a suffix");
  const missing = stackFileWith((text) => text.replace(/\n    webSuffix: .*/, ""));
  assert.deepEqual(issuesOf(() => parseStackFile(missing)), [
    'modal.webSuffix: is required (expected the web suffix of modal.environment, web_suffix in modal environment list --json, or "" for the environment without one)',
  ]);
  const bad = stackFileWith((text) => text.replace(/\n    webSuffix: .*/, "\n    webSuffix: Staging_1"));
  assert.deepEqual(issuesOf(() => parseStackFile(bad)), ['modal.webSuffix: "Staging_1" is not a Modal web suffix (expected a-z 0-9 - as in modal environment list --json, or "" for none)']);
});

test("omitted settings take their documented defaults", async () => {
  const { config } = parseStackFile(stackFileWith((text) => text.replace(/\n    prefix: litestream\/\n    noncurrentRetentionDays: 7\n    abortIncompleteUploadDays: 3/, "").replace(/\n  mcp-hosting:rateLimit:\n    callsPerMinute: 600/, "")));
  assert.equal(config.backup.prefix, "litestream/");
  assert.equal(config.backup.noncurrentRetentionDays, 30);
  assert.equal(config.backup.abortIncompleteUploadDays, 7);
  assert.equal(config.rateLimit.callsPerMinute, 120);
});

test("paths read like the YAML they point into", () => {
  assert.equal(formatPath(["fly", "regions", 2]), "fly.regions[2]");
  assert.equal(formatPath(["apiVersions", "v2", "slots", "blue", "release"]), "apiVersions.v2.slots.blue.release");
});

test("a stack name typo is found in every command that takes --stack, with the nearest stack suggested", async () => {
  const { runScript } = await import("../test/fixtures/commands.ts");
  for (const [script, args] of [
    ["stacks/commands/cutover.ts", ["--stack", "stagign", "--api", "v1", "--to", "blue"]],
    ["stacks/commands/cost.ts", ["--stack", "stagign"]],
    ["stacks/commands/release-fetch.ts", ["--stack", "stagign"]],
  ] as const) {
    const run = await runScript(script, [...args]);
    assert.equal(run.code, 1, script);
    assert.match(run.stderr, /^stack "stagign" does not exist: .*Stacks here: prod, staging\. Did you mean staging\?\n$/, script);
  }
});

test("a stack file whose aws:region the AWS provider does not know is refused by path", () => {
  const text = readFileSync(join(import.meta.dirname, "..", "Pulumi.staging.yaml"), "utf8").replace("aws:region: us-east-1", "aws:region: us-east-9");
  assert.throws(() => parseStackText(text, { stack: "staging", source: "Pulumi.staging.yaml" }), /aws:region: "us-east-9" is not an AWS region \(expected one of af-south-1,/);
});
