/**
 * The stand-in publisher against the fake registry: the registry's rules the
 * rehearsal relies on (test/fixtures/fake-mcp-registry.ts cites where each is
 * from), played with prod's own server.json.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseStackFile } from "../../stacks/load.ts";
import { serverJson } from "../../stacks/registry/server-json.ts";
import { startFakeMcpRegistry } from "../fixtures/fake-mcp-registry.ts";

const registry = await startFakeMcpRegistry();
after(() => registry.close());
const home = mkdtempSync(join(tmpdir(), "mcp-publisher-"));
const entry = serverJson("prod", parseStackFile(join(import.meta.dirname, "..", "..", "Pulumi.prod.yaml")).config);
const file = (document: object) => {
  const path = join(home, `server-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(document));
  return path;
};

/** The stand-in, as a job runs it: its own HOME, and GitHub's token request variables when the job may ask for one. */
function publisher(args: string[], job?: { repository: string }): Promise<{ code: number; output: string }> {
  const request = job ? registry.idTokenRequest({ ...job, ref: "refs/heads/main", runId: 1, workflow: "promote" }, registry.url) : undefined;
  const env = { PATH: process.env["PATH"], HOME: home, ...(request ? { ACTIONS_ID_TOKEN_REQUEST_URL: request.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: request.token } : {}) };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, "mcp-publisher.ts"), ...args], { env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}
const login = (job?: { repository: string }) => publisher(["login", "github-oidc", "--registry", registry.url], job);

test("publishing needs a login, and the GitHub OIDC login needs a job that may ask for an ID token", async () => {
  assert.match((await publisher(["publish", file(entry)])).output, /not authenticated\. Run 'mcp-publisher login <method>' first/);
  const refused = await login();
  assert.equal(refused.code, 1);
  assert.match(refused.output, /ACTIONS_ID_TOKEN_REQUEST_TOKEN environment variable not found - are you running in GitHub Actions with id-token: write permissions\?/);
});

test("a repository's run publishes in its owner's namespace, each version once, and nowhere else", async () => {
  assert.equal((await login({ repository: "acme/mcp-hosting" })).code, 0);
  const first = await publisher(["publish", file(entry)]);
  assert.equal(first.code, 0, first.output);
  assert.match(first.output, new RegExp(`✓ Server io\\.github\\.acme/mcp-hosting version ${entry.version}`));
  const again = await publisher(["publish", file(entry)]);
  assert.equal(again.code, 1);
  assert.match(again.output, /server returned status 400: .*invalid version: cannot publish duplicate version/);
  assert.deepEqual(registry.versions(entry.name).map((v) => [v.server.version, v.publishedBy]), [[entry.version, "repo:acme/mcp-hosting:ref:refs/heads/main"]]);
  assert.equal((await login({ repository: "mallory/mcp-hosting" })).code, 0);
  const elsewhere = await publisher(["publish", file({ ...entry, version: "r-000000000001" })]);
  assert.match(elsewhere.output, /status 403: .*You have permission to publish: io\.github\.mallory\/\*\. Attempting to publish: io\.github\.acme\/mcp-hosting/);
});

test("a server.json naming an older schema is refused before anything is sent", async () => {
  const before = registry.requests.length;
  const old = await publisher(["publish", file({ ...entry, $schema: "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json" })]);
  assert.equal(old.code, 1);
  assert.match(old.output, /deprecated schema detected: https:\/\/static\.modelcontextprotocol\.io\/schemas\/2025-09-29\/server\.schema\.json/);
  assert.equal(registry.requests.length, before);
});
