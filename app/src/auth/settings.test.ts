import assert from "node:assert/strict";
import { test } from "node:test";
import { loadNodeConfig } from "../runtimes/node-config.ts";
import { tools } from "../tools/index.ts";
import { ToolScopes } from "./tool-scopes.ts";

const ISSUER = "https://acme.us.auth0.com/";

test("an issuer turns OAuth on; its scopes and tool scopes are read with it, the issuer kept exactly as written", () => {
  const { oauth } = loadNodeConfig({ MCP_OAUTH_ISSUER: ISSUER, MCP_OAUTH_SCOPES: "mcp, mcp:read", MCP_OAUTH_TOOL_SCOPES: '{"note_add":["notes:write"]}' });
  assert.deepEqual(oauth, { issuer: ISSUER, scopes: ["mcp", "mcp:read"], toolScopes: { note_add: ["notes:write"] } });
  assert.equal(loadNodeConfig({}).oauth, undefined);
  assert.equal(loadNodeConfig({ MCP_OAUTH_ISSUER: "http://127.0.0.1:8789" }).oauth?.issuer, "http://127.0.0.1:8789");
});

test("a bad OAuth setting is refused at start, naming the variable and what was expected", () => {
  const refused: [Record<string, string>, RegExp][] = [
    [{ MCP_OAUTH_ISSUER: "http://auth.example.com" }, /MCP_OAUTH_ISSUER: http:\/\/auth.example.com must be https:\/\/ \(http:\/\/ only on localhost or 127.0.0.1\)/],
    [{ MCP_OAUTH_ISSUER: "https://auth.example.com/?tenant=1" }, /MCP_OAUTH_ISSUER: .* must have no query or fragment/],
    [{ MCP_OAUTH_ISSUER: "auth.example.com" }, /MCP_OAUTH_ISSUER: "auth.example.com" is not a URL/],
    [{ MCP_OAUTH_ISSUER: ISSUER, MCP_OAUTH_SCOPES: "mcp offline_access" }, /MCP_OAUTH_SCOPES: offline_access is for clients to ask the authorization server/],
    [{ MCP_OAUTH_ISSUER: ISSUER, MCP_OAUTH_SCOPES: 'say"what' }, /MCP_OAUTH_SCOPES: "say\\"what" is not an OAuth scope/],
    [{ MCP_OAUTH_ISSUER: ISSUER, MCP_OAUTH_TOOL_SCOPES: "kb_put=kb:write" }, /MCP_OAUTH_TOOL_SCOPES: is not JSON/],
    [{ MCP_OAUTH_ISSUER: ISSUER, MCP_OAUTH_TOOL_SCOPES: '{"kb_put":[]}' }, /MCP_OAUTH_TOOL_SCOPES: expected \{"<tool>": \["<scope>", …\]\}/],
    [{ MCP_OAUTH_SCOPES: "mcp" }, /MCP_OAUTH_SCOPES: has no effect without MCP_OAUTH_ISSUER/],
    [{ MCP_OAUTH_ISSUER: ISSUER, HOST: "0.0.0.0" }, /MCP_PUBLIC_URL: required with MCP_OAUTH_ISSUER when HOST=0.0.0.0/],
    [{ MCP_PUBLIC_URL: "https://mcp.example.com/v1/mcp" }, /MCP_PUBLIC_URL: https:\/\/mcp.example.com\/v1\/mcp is not an origin/],
  ];
  for (const [env, message] of refused) assert.throws(() => loadNodeConfig(env), message, JSON.stringify(env));
  assert.equal(loadNodeConfig({ MCP_OAUTH_ISSUER: ISSUER, HOST: "0.0.0.0", MCP_PUBLIC_URL: "https://mcp.example.com" }).MCP_PUBLIC_URL, "https://mcp.example.com");
});

test("tool scopes: the definition's unless the deployment replaces them; a misspelt tool is refused; scopes_supported lists each once", () => {
  const scopes = new ToolScopes(tools, { scopes: ["mcp"], toolScopes: { note_add: ["notes:write", "mcp"] } });
  assert.deepEqual(scopes.supported, ["mcp", "notes:write", "kb:write"]);
  assert.equal(scopes.challengeFor(tools.find((tool) => tool.name === "echo")!), undefined);
  assert.throws(() => new ToolScopes(tools, { scopes: [], toolScopes: { kb_putt: ["kb:write"] } }), /MCP_OAUTH_TOOL_SCOPES: no tool is named kb_putt \(expected one of echo, note_add/);
});
