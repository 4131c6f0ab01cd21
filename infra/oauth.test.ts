/**
 * The stack's `auth` block, offline: every Worker version and the Fly machines
 * are told the issuer, and each version's Protected Resource Metadata is routed
 * to it; a tool scope for a tool no release has is refused before anything registers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StackConfigError } from "../stacks/load.ts";
import { bindingsOf, named, ofType, reveal, T } from "../test/fixtures/registrations.ts";
import { type RawStack, validRawStack } from "../test/fixtures/stack-config.ts";
import { runStackProgram } from "../test/fixtures/stack-program.ts";

const AUTH = { issuer: "https://acme.us.auth0.com/", scopes: ["mcp"], toolScopes: { note_add: ["notes:write"] } };

const program = (raw: RawStack) => runStackProgram(raw);

function withTwoVersions(auth?: object): RawStack {
  const raw = validRawStack() as any;
  raw.apiVersions.v2 = { ...structuredClone(raw.apiVersions.v1), route: "/v2" };
  if (auth) raw.auth = auth;
  return raw;
}

test("auth reaches every Worker version as plain bindings, with the custom domain as public URL, and each version's metadata is routed to it", async () => {
  const { registrations, error } = await program(withTwoVersions(AUTH));
  assert.equal(error, undefined);
  for (const name of ["edge-v1-blue", "edge-v1-green", "edge-v2-blue", "edge-v2-green"]) {
    const bindings = bindingsOf(named(registrations, name));
    assert.deepEqual(bindings.get("MCP_OAUTH_ISSUER"), { type: "plain_text", name: "MCP_OAUTH_ISSUER", text: AUTH.issuer });
    assert.equal(bindings.get("MCP_OAUTH_SCOPES")?.text, "mcp");
    assert.deepEqual(JSON.parse(String(bindings.get("MCP_OAUTH_TOOL_SCOPES")?.text)), AUTH.toolScopes);
    assert.equal(bindings.get("MCP_PUBLIC_URL")?.text, "https://mcp.example.com");
  }
  assert.equal(named(registrations, "edge-v1-metadata-route").inputs.pattern, "mcp.example.com/.well-known/oauth-protected-resource/v1/mcp");
  assert.equal(named(registrations, "edge-v2-metadata-route").inputs.pattern, "mcp.example.com/.well-known/oauth-protected-resource/v2/mcp");
});

test("a direct call to Fly checks the user's token itself: every machine gets the issuer, for the Fly hostname", async () => {
  const { registrations } = await program(withTwoVersions(AUTH));
  for (const machine of ofType(registrations, T.flyMachine)) {
    const env = reveal(machine.inputs.env) as Record<string, string>;
    assert.equal(env.MCP_OAUTH_ISSUER, AUTH.issuer);
    assert.equal(env.MCP_OAUTH_SCOPES, "mcp");
    assert.equal(env.MCP_PUBLIC_URL, "https://mcp-hosting-test.fly.dev");
  }
});

test("without an auth block nothing OAuth is bound or routed", async () => {
  const { registrations } = await program(withTwoVersions());
  assert.equal(ofType(registrations, T.route).length, 2, "the two version routes only");
  for (const version of ofType(registrations, T.version)) assert.equal(bindingsOf(version).has("MCP_OAUTH_ISSUER"), false);
});

test("a tool scope for a tool the release does not have is refused by path, and nothing registers", async () => {
  const { registrations, error } = await program(withTwoVersions({ ...AUTH, toolScopes: { kb_putt: ["kb:write"] } }));
  assert.ok(error instanceof StackConfigError, String(error));
  assert.match(error.issues[0]!, /^auth\.toolScopes\.kb_putt: release r-3f9a1c7e2b4d has no tool named kb_putt \(expected one of echo, note_add,/);
  assert.equal(registrations.length, 0);
});
