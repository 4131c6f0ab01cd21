/**
 * The stack's `auth` block in mode builtin, offline: one KV namespace for the
 * stack, bound in every version of every color; the authorization server's
 * paths routed to the first API version only; the compatibility flag its
 * metadata-document fetches need; the upstream secret kept secret; and Fly told
 * the edge's origin instead of an issuer it could not check tokens of.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { AUTH_SERVER_PATHS, CIMD_COMPATIBILITY_FLAG } from "../app/src/auth/builtin/contract.ts";
import { loadStackConfig, StackConfigError } from "../stacks/load.ts";
import { testReleases } from "../test/fixtures/releases.ts";
import { bindingsOf, clearStrings, isSecretValue, named, ofType, reveal, T } from "../test/fixtures/registrations.ts";
import { builtinAuthBlock, type RawStack, setStackConfig, type SetStackConfigOptions, validRawStack } from "../test/fixtures/stack-config.ts";
import { recordRegistrations, resolveAll } from "./plan/evaluate.ts";
import { buildStack } from "./stack.ts";

const KV_NAMESPACE = "cloudflare:index/workersKvNamespace:WorkersKvNamespace";
const CLIENT_SECRET = "github-client-secret-for-tests";

async function program(raw: RawStack, options: SetStackConfigOptions = {}) {
  const registrations = await recordRegistrations("test");
  setStackConfig(raw, "mcp-hosting", options);
  let error: unknown;
  let outputs: unknown;
  try {
    outputs = await resolveAll(buildStack(loadStackConfig(new pulumi.Config()), { stack: "test", releases: testReleases() }));
  } catch (caught) {
    error = caught;
  }
  await pulumi.runtime.disconnect();
  return { registrations, error, outputs: outputs as { oauth?: Record<string, unknown> } | undefined };
}

function builtinStack(): RawStack {
  const raw = validRawStack() as any;
  raw.apiVersions.v2 = { ...structuredClone(raw.apiVersions.v1), route: "/v2" };
  raw.auth = builtinAuthBlock();
  return raw;
}

const VERSIONS = ["edge-v1-blue", "edge-v1-green", "edge-v2-blue", "edge-v2-green"];

test("one KV namespace per stack, bound as OAUTH_KV in every version of every color", async () => {
  const { registrations, error, outputs } = await program(builtinStack());
  assert.equal(error, undefined);
  const [namespace, ...more] = ofType(registrations, KV_NAMESPACE);
  assert.ok(namespace, "a KV namespace is registered");
  assert.equal(more.length, 0, "one for the whole stack, not one per version or color");
  assert.equal(namespace.inputs.title, "mcp-test-oauth");
  assert.equal(namespace.inputs.accountId, "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31");
  for (const name of VERSIONS) {
    assert.deepEqual(bindingsOf(named(registrations, name)).get("OAUTH_KV"), { type: "kv_namespace", name: "OAUTH_KV", namespaceId: "oauth-kv-id" }, `${name} binds the stack's namespace`);
  }
  // The migration upload takes all traffic until the deployment, so it carries the namespace too, as the upload API spells it.
  const upload = named(registrations, "edge-v1-migrations").inputs.upload as { bindings: unknown };
  const wire = reveal(upload.bindings) as Record<string, unknown>[];
  assert.deepEqual(wire.find((b) => b.name === "OAUTH_KV"), { type: "kv_namespace", name: "OAUTH_KV", namespace_id: "oauth-kv-id" });
  assert.deepEqual(outputs?.oauth, { issuer: "https://mcp.example.com", accountId: "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31", kvNamespaceId: "oauth-kv-id" }, "npm run auth finds the namespace in the stack outputs");
});

test("the authorization server's paths are routed on the hostname to the first API version's Worker only", async () => {
  const { registrations } = await program(builtinStack());
  const routes = ofType(registrations, T.route);
  const serving = routes.filter((route) => AUTH_SERVER_PATHS.some((path) => route.inputs.pattern === `mcp.example.com${path}*`));
  assert.deepEqual(serving.map((route) => route.inputs.pattern).sort(), AUTH_SERVER_PATHS.map((path) => `mcp.example.com${path}*`).sort());
  for (const route of serving) {
    assert.equal(route.parent, "edge-v1");
    assert.equal(route.inputs.script, named(registrations, "edge-v1-worker").inputs.name);
  }
  // Each version's own metadata still names its resource; the v2 Worker serves no authorization server path.
  assert.equal(named(registrations, "edge-v2-metadata-route").inputs.pattern, "mcp.example.com/.well-known/oauth-protected-resource/v2/mcp");
  assert.equal(routes.filter((route) => route.parent === "edge-v2").length, 2, "v2: its version route and its metadata route");
});

test("every version carries the flag the library needs before fetching client metadata documents, the issuer is the edge's origin, and the mode and upstream are plain", async () => {
  const { registrations } = await program(builtinStack());
  for (const name of VERSIONS) {
    const version = named(registrations, name);
    assert.deepEqual(version.inputs.compatibilityFlags, ["enable_request_signal", CIMD_COMPATIBILITY_FLAG]);
    const bindings = bindingsOf(version);
    assert.equal(bindings.get("MCP_AUTH_MODE")?.text, "builtin");
    assert.deepEqual(JSON.parse(String(bindings.get("MCP_AUTH_UPSTREAM")?.text)), { provider: "github", clientId: "Iv1.0123456789abcdef" });
    assert.equal(bindings.get("MCP_OAUTH_ISSUER")?.text, "https://mcp.example.com", "tokens are issued at the edge's own origin");
    assert.equal(bindings.get("MCP_PUBLIC_URL")?.text, "https://mcp.example.com");
    assert.equal(bindings.get("MCP_OAUTH_SCOPES")?.text, "mcp");
  }
  const migrations = named(registrations, "edge-v1-migrations").inputs.upload as { compatibilityFlags: unknown };
  assert.deepEqual(migrations.compatibilityFlags, ["enable_request_signal", CIMD_COMPATIBILITY_FLAG]);
});

test("the upstream client secret is a secret_text binding whose text stays secret, and no resource carries it in the clear", async () => {
  const { registrations } = await program(builtinStack());
  for (const name of VERSIONS) {
    const binding = bindingsOf(named(registrations, name)).get("MCP_AUTH_UPSTREAM_SECRET");
    assert.equal(binding?.type, "secret_text");
    assert.ok(isSecretValue(binding?.text), `${name}: the client secret is marked secret`);
    assert.equal(reveal(binding?.text), CLIENT_SECRET);
  }
  for (const registration of registrations) {
    assert.ok(!clearStrings(registration.inputs).some((text) => text.includes(CLIENT_SECRET)), `${registration.name} holds the client secret outside a secret`);
  }
});

test("Fly takes MCP only from the edge: it is told the edge's origin and no OAuth variables", async () => {
  const { registrations } = await program(builtinStack());
  const machines = ofType(registrations, T.flyMachine);
  assert.ok(machines.length > 0);
  for (const machine of machines) {
    const env = reveal(machine.inputs.env) as Record<string, string>;
    assert.equal(env.MCP_EDGE_ORIGIN, "https://mcp.example.com");
    for (const key of Object.keys(env)) assert.ok(!key.startsWith("MCP_OAUTH_") && key !== "MCP_PUBLIC_URL", `Fly env has ${key}`);
  }
});

test("a Fly release too old to know MCP_EDGE_ORIGIN still refuses a direct call: Fly holds a bearer token no client has, as a secret", async () => {
  const { registrations } = await program(builtinStack());
  const [secrets] = ofType(registrations, "pulumi-nodejs:dynamic/fly:Secrets");
  assert.ok(secrets);
  assert.equal(isSecretValue(secrets.inputs.values), true, "the app's secrets stay secret");
  const values = reveal(secrets.inputs.values) as Record<string, string>;
  assert.equal(values.MCP_AUTH_TOKEN, `edge-only=${values.MCP_UPSTREAM_SECRET}`);
});

test("an outside issuer keeps today's shape: no KV namespace, no authorization server routes, no flag, Fly checks tokens itself", async () => {
  const raw = builtinStack() as any;
  raw.auth = { issuer: "https://acme.us.auth0.com/", scopes: ["mcp"] };
  const { registrations, outputs } = await program(raw);
  assert.equal(ofType(registrations, KV_NAMESPACE).length, 0);
  assert.equal(ofType(registrations, T.route).length, 4, "a version route and a metadata route per version");
  for (const version of ofType(registrations, T.version)) {
    assert.deepEqual(version.inputs.compatibilityFlags, ["enable_request_signal"]);
    assert.equal(bindingsOf(version).has("MCP_AUTH_MODE"), false);
  }
  const env = reveal(ofType(registrations, T.flyMachine)[0]!.inputs.env) as Record<string, string>;
  assert.equal(env.MCP_OAUTH_ISSUER, "https://acme.us.auth0.com/");
  assert.equal(env.MCP_EDGE_ORIGIN, undefined);
  assert.equal(outputs?.oauth, undefined);
});

test("a client secret written in plain text in the stack is refused by path, and nothing registers", async () => {
  const { registrations, error } = await program(builtinStack(), { plain: ["auth"] });
  assert.ok(error instanceof StackConfigError, String(error));
  assert.deepEqual(error.issues, ["auth.upstream.clientSecret: is stored in plain text (expected a secure: value; run pulumi config set --secret --path auth.upstream.clientSecret <value>)"]);
  assert.equal(registrations.length, 0);
});
