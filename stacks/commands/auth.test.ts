/**
 * `npm run auth -- revoke` against a fake of the Cloudflare KV API that keeps
 * what the OAuth library wrote into it: the grants are made by the library
 * itself (a client, an authorization, a code exchanged for tokens), and after
 * the command a revoked user's token fails the library's validateToken while
 * everyone else's still passes.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeUserId } from "../../app/src/auth/builtin/contract.ts";
import { runScript } from "../../test/fixtures/commands.ts";
import { type FakeKv, startFakeKv } from "../../test/fixtures/fake-cloudflare-kv.ts";
import { loadOAuthLibrary } from "../oauth-grants/library.ts";
import { KvNamespaceOverRest } from "../oauth-grants/kv-rest.ts";

const root = join(import.meta.dirname, "..", "..");
const ACCOUNT = "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31";
const NAMESPACE = "0f2ac74b498b48028cb68387c421e279";
const API_TOKEN = "cf-token-for-the-fake-kv-0123456789";
const PULUMI_TOKEN = "pul-token-for-the-stand-in";
const ISSUER = "https://mcp-builtin.example.com";
const RESOURCE = `${ISSUER}/v1/mcp`;
const REDIRECT = "http://127.0.0.1:33418/callback";

let kvApi: FakeKv;
let project: string;
let env: NodeJS.ProcessEnv;
const tokens: Record<string, string> = {};
const clients: Record<string, string> = {};

/** What the OAuth library sees: the fake account's namespace, through the same adapter the command uses. */
const oauthEnv = () => ({ OAUTH_KV: new KvNamespaceOverRest({ accountId: ACCOUNT, namespaceId: NAMESPACE, baseUrl: kvApi.url, env: { CLOUDFLARE_API_TOKEN: API_TOKEN } }) });

async function authorizationServer() {
  const { OAuthAuthorizationServer } = await loadOAuthLibrary();
  return new OAuthAuthorizationServer({ issuer: ISSUER, resources: [RESOURCE] });
}

/** A user signs in through a client, as the edge's /authorize would complete it, and the client redeems the code. */
async function signIn(clientId: string, userId: string): Promise<string> {
  const server = await authorizationServer();
  const api = server.getOAuthApi(oauthEnv() as never);
  const verifier = "v".repeat(43) + clientId.slice(0, 4);
  const challenge = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))).toString("base64url");
  const query = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: "S256", state: "s", resource: RESOURCE, scope: "mcp" });
  const request = await api.parseAuthRequest(new Request(`${ISSUER}/authorize?${query}`));
  const { redirectTo } = await api.completeAuthorization({ request, userId, metadata: {}, scope: request.scope, props: { userId } });
  const code = new URL(redirectTo).searchParams.get("code")!;
  const body = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier, resource: RESOURCE });
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
  const response = await server.fetch(new Request(`${ISSUER}/oauth/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }), oauthEnv() as never, ctx as never);
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

async function valid(token: string): Promise<boolean> {
  return (await (await authorizationServer()).validateToken(RESOURCE, token, oauthEnv() as never)) !== null;
}

function revoke(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return runScript("stacks/commands/auth.ts", ["revoke", "--stack", "builtin", "--root", project, ...args], { ...env, ...extraEnv });
}

before(async () => {
  // Pages of two keys: the listing of grants and of their tokens must follow the API's cursors.
  kvApi = await startFakeKv({ accountId: ACCOUNT, namespaceId: NAMESPACE, token: API_TOKEN, pageSize: 2 });
  project = mkdtempSync(join(tmpdir(), "mcp-auth-"));
  copyFileSync(join(root, "test", "fixtures", "stacks", "Pulumi.builtin.yaml"), join(project, "Pulumi.builtin.yaml"));
  // The stand-in pulumi's backend holds the stack's outputs as its last `pulumi up` left them.
  const pulumiHome = mkdtempSync(join(tmpdir(), "mcp-pulumi-"));
  process.env.REHEARSAL_PULUMI_HOME = pulumiHome;
  writeFileSync(join(pulumiHome, "tokens.json"), JSON.stringify({ write: [PULUMI_TOKEN], read: [] }));
  const backend = await import("../../test/stand-ins/pulumi/backend.ts");
  backend.initStack("builtin");
  backend.writeState("builtin", { resources: {}, outputs: { oauth: { issuer: ISSUER, accountId: ACCOUNT, kvNamespaceId: NAMESPACE } }, updates: 1 });
  backend.initStack("undeployed");
  env = {
    PATH: `${join(root, "test", "stand-ins", "bin")}:${process.env.PATH ?? ""}`,
    REHEARSAL_PULUMI_HOME: pulumiHome,
    PULUMI_ACCESS_TOKEN: PULUMI_TOKEN,
    CLOUDFLARE_API_TOKEN: API_TOKEN,
    CLOUDFLARE_BASE_URL: kvApi.url,
  };

  const api = (await authorizationServer()).getOAuthApi(oauthEnv() as never);
  for (const name of ["claude", "cursor", "inspector"]) {
    clients[name] = (await api.createClient({ clientName: name, redirectUris: [REDIRECT], tokenEndpointAuthMethod: "none" })).clientId;
  }
  for (const name of ["claude", "cursor", "inspector"]) tokens[`alice-${name}`] = await signIn(clients[name]!, "alice");
  tokens["bob-claude"] = await signIn(clients.claude!, "bob");
  // A provider whose subjects hold ":", stored as the sign-in stores them (escaped, contract.ts encodeUserId).
  tokens["carol-claude"] = await signIn(clients.claude!, encodeUserId("tenant:carol"));
});

after(() => kvApi.close());

test("revoking one client's grant of a user: that token fails validation, the user's other clients and other users keep theirs", async () => {
  for (const token of Object.values(tokens)) assert.equal(await valid(token), true, "every token works before");
  const run = await revoke(["--subject", "alice", "--client", clients.cursor!, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { revoked: { clientId: string; scope: string[] }[]; client: string };
  assert.equal(report.revoked.length, 1);
  assert.deepEqual(report.revoked[0], { ...report.revoked[0], clientId: clients.cursor, scope: ["mcp"] });
  assert.equal(await valid(tokens["alice-cursor"]!), false, "the revoked grant's token is refused");
  assert.equal(await valid(tokens["alice-claude"]!), true);
  assert.equal(await valid(tokens["bob-claude"]!), true);
});

test("revoking a user's grants removes what the library wrote for them, says how many and for which clients, and prints no token", async () => {
  const run = await revoke(["--subject", "alice"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^revoked 2 grants of subject "alice" in stack builtin, with their tokens \(clients: /);
  for (const name of ["claude", "inspector"]) assert.ok(run.stdout.includes(clients[name]!), `names client ${name}`);
  for (const token of Object.values(tokens)) assert.ok(!run.stdout.includes(token) && !run.stderr.includes(token), "no token is printed");
  assert.equal(await valid(tokens["alice-claude"]!), false);
  assert.equal(await valid(tokens["alice-inspector"]!), false);
  assert.equal(await valid(tokens["bob-claude"]!), true, "bob is still signed in");
  assert.deepEqual(kvApi.keys().filter((key) => key.includes("alice")), [], "no grant or token of alice is left in the namespace");
  assert.equal(kvApi.keys().filter((key) => key.startsWith("client:")).length, 3, "the clients stay registered");
});

test("a subject holding \":\" is revoked by the subject the provider gave, as the sign-in recorded it", async () => {
  const run = await revoke(["--subject", "tenant:carol"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^revoked 1 grant/);
  assert.equal(await valid(tokens["carol-claude"]!), false);
});

test("a user with no grants is told so, and the command succeeds", async () => {
  const run = await revoke(["--subject", "alice"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'no grants of subject "alice" in stack builtin: nothing to revoke\n');
  const json = await revoke(["--subject", "nobody", "--json"]);
  assert.equal((JSON.parse(json.stdout) as { revoked: unknown[] }).revoked.length, 0);
});

test("a token Cloudflare refuses ends with exit 2, the status and Cloudflare's message, and never the token", async () => {
  const run = await revoke(["--subject", "bob"], { CLOUDFLARE_API_TOKEN: "not-the-token-0123456789" });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /answered 401: Authentication error \[code: 10000\]; nothing was revoked/);
  assert.ok(!run.stderr.includes("not-the-token"));
  assert.equal(await valid(tokens["bob-claude"]!), true);
});

test("without a Cloudflare token, for an unknown stack, or a stack not yet deployed, it says what is missing and exits 1", async () => {
  const noToken = await revoke(["--subject", "bob"], { CLOUDFLARE_API_TOKEN: "" });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /CLOUDFLARE_API_TOKEN is not set/);
  const unknown = await runScript("stacks/commands/auth.ts", ["revoke", "--stack", "bulitin", "--subject", "bob", "--root", project], env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /stack "bulitin" does not exist: .* Did you mean builtin\?/);
  copyFileSync(join(project, "Pulumi.builtin.yaml"), join(project, "Pulumi.undeployed.yaml"));
  const undeployed = await runScript("stacks/commands/auth.ts", ["revoke", "--stack", "undeployed", "--subject", "bob", "--root", project], env);
  assert.equal(undeployed.code, 1);
  assert.match(undeployed.stderr, /stack undeployed has no output oauth: it has not been deployed with auth.mode builtin yet/);
});
