import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runScript } from "../../test/fixtures/commands.ts";
import { parseStackFile } from "../load.ts";
import { SERVER_SCHEMA_URL, serverJson, serverJsonProblems } from "./server-json.ts";

const root = join(import.meta.dirname, "..", "..");
const prod = parseStackFile(join(root, "Pulumi.prod.yaml")).config;

test("prod's server.json has a streamable-http remote per API version, and v1's live release as its version", () => {
  const document = serverJson("prod", prod);
  assert.equal(document.$schema, SERVER_SCHEMA_URL);
  assert.equal(document.name, "io.github.acme/mcp-hosting");
  assert.deepEqual(document.remotes, [
    { type: "streamable-http", url: "https://mcp.example.com/v1/mcp" },
    { type: "streamable-http", url: "https://mcp.example.com/v2/mcp" },
  ]);
  const v1 = prod.apiVersions.v1!;
  assert.equal(document.version, v1.slots[v1.live].release);
  assert.deepEqual(serverJsonProblems(document), []);
});

test("the registry's rules refuse a name without its namespace, a range as version, a plain-HTTP remote and an unknown field, each by path", () => {
  const document = serverJson("prod", prod);
  assert.deepEqual(serverJsonProblems({ ...document, name: "mcp-hosting" }), [
    'name: "mcp-hosting" is not a registry name (expected <reverse-DNS namespace>/<name>, e.g. io.github.acme/mcp-hosting)',
  ]);
  assert.match(serverJsonProblems({ ...document, version: "^1.2.3" })[0]!, /^version: "\^1\.2\.3" is a range or "latest"/);
  assert.match(serverJsonProblems({ ...document, version: "latest" })[0]!, /^version: "latest" is a range or "latest"/);
  assert.match(serverJsonProblems({ ...document, remotes: [{ type: "streamable-http", url: "http://mcp.example.com/v1/mcp" }] })[0]!, /^remotes\[0\]\.url: "http:\/\/mcp\.example\.com\/v1\/mcp" is not an https:\/\/ URL/);
  assert.match(serverJsonProblems({ ...document, description: "x".repeat(101) })[0]!, /^description: /);
  assert.match(serverJsonProblems({ ...document, packages: [] })[0]!, /^packages: unknown key/);
});

test("npm run registry writes server.json, --json prints it, and a stack without a registry block is refused (or, with --if-present, skipped)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-"));
  const out = join(dir, "server.json");
  const written = await runScript("stacks/commands/registry.ts", ["--stack", "prod", "--out", out]);
  assert.equal(written.code, 0, written.stderr);
  assert.match(written.stderr, /^wrote .*server\.json: io\.github\.acme\/mcp-hosting r-[0-9a-f]{12}, 2 remotes \(https:\/\/mcp\.example\.com\/v1\/mcp, https:\/\/mcp\.example\.com\/v2\/mcp\)\n$/);
  const printed = await runScript("stacks/commands/registry.ts", ["--stack", "prod", "--json"]);
  assert.equal(printed.code, 0, printed.stderr);
  assert.deepEqual(JSON.parse(printed.stdout), JSON.parse(readFileSync(out, "utf8")));
  const staging = await runScript("stacks/commands/registry.ts", ["--stack", "staging", "--json"]);
  assert.equal(staging.code, 1);
  assert.match(staging.stderr, /stack staging has no registry block: add registry: \{ name: io\.github\.<org>\/<server>, description: … \} to Pulumi\.staging\.yaml/);
  assert.equal(staging.stdout, "");
  const absent = join(dir, "staging.json");
  const optional = await runScript("stacks/commands/registry.ts", ["--stack", "staging", "--if-present", "--out", absent]);
  assert.equal(optional.code, 0, optional.stderr);
  assert.equal(optional.stderr, "stack staging has no registry block: nothing written\n");
  assert.equal(existsSync(absent), false, "--if-present writes nothing for a stack without a registry block");
  const help = await runScript("stacks/commands/registry.ts", ["--help"]);
  assert.match(help.stdout, /^usage: npm run registry -- --stack <name>/);
});
