import assert from "node:assert/strict";
import { test } from "node:test";
import { loadNodeConfig } from "./node-config.ts";

const SECRET = "config-test-secret-0123456789";

test("with no region, or in the primary region, the server is its own primary", () => {
  assert.equal(loadNodeConfig({}).writer, undefined);
  assert.equal(loadNodeConfig({ FLY_REGION: "iad" }).writer, undefined);
  assert.equal(loadNodeConfig({ FLY_REGION: "iad", PRIMARY_REGION: "iad" }).writer, undefined);
});

test("another region reaches the primary over Fly's private network, on the same port", () => {
  const config = loadNodeConfig({ FLY_REGION: "lax", PRIMARY_REGION: "iad", FLY_APP_NAME: "mcp-prod", PORT: "8080", MCP_UPSTREAM_SECRET: SECRET });
  assert.deepEqual(config.writer, { region: "lax", primaryRegion: "iad", primaryOrigin: "http://iad.mcp-prod.internal:8080", secret: SECRET });
});

test("another region without the shared key or a way to reach the primary is refused at start, naming the variable", () => {
  assert.throws(() => loadNodeConfig({ FLY_REGION: "lax", PRIMARY_REGION: "iad", FLY_APP_NAME: "mcp-prod" }), /MCP_UPSTREAM_SECRET: required where FLY_REGION=lax is not PRIMARY_REGION=iad/);
  assert.throws(() => loadNodeConfig({ FLY_REGION: "lax", PRIMARY_REGION: "iad", MCP_UPSTREAM_SECRET: SECRET }), /FLY_APP_NAME or MCP_PRIMARY_ORIGIN: required/);
  assert.throws(() => loadNodeConfig({ PRIMARY_REGION: "Virginia" }), /PRIMARY_REGION: expected a Fly region code/);
});

test("the edge's origin is read as an origin; a path, another scheme, or an issuer beside it is refused, naming the variable", () => {
  assert.equal(loadNodeConfig({ MCP_EDGE_ORIGIN: "https://mcp.example.com/" }).edgeOrigin, "https://mcp.example.com");
  assert.equal(loadNodeConfig({}).edgeOrigin, undefined);
  assert.throws(() => loadNodeConfig({ MCP_EDGE_ORIGIN: "https://mcp.example.com/v1/mcp" }), /MCP_EDGE_ORIGIN: expected an origin only/);
  assert.throws(() => loadNodeConfig({ MCP_EDGE_ORIGIN: "ftp://mcp.example.com" }), /MCP_EDGE_ORIGIN: expected the edge's origin/);
  assert.throws(
    () => loadNodeConfig({ MCP_EDGE_ORIGIN: "https://mcp.example.com", MCP_OAUTH_ISSUER: "https://auth.example.com/" }),
    /MCP_EDGE_ORIGIN: set beside MCP_OAUTH_ISSUER/,
  );
});
