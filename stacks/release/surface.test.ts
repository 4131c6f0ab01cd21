/**
 * The surface a release records is what clients get: the real Node server,
 * asked over HTTP by the SDK's clients of both protocol eras, lists the same
 * tools with the same schemas, annotations and descriptions, and the same
 * prompts and resource templates.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { prompts, resources, tools } from "../../app/src/tools/index.ts";
import { removeDataDir, startServer, type ServerProcess } from "../../app/test/support/server-process.ts";
import { registrySurface } from "./read-surface.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer({ env: { MCP_START_COMPUTE: "0" } });
});
after(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

test("a 2025-11-25 client and a 2026-07-28 client list exactly the surface a release records", async () => {
  const recorded = await registrySurface({ tools, prompts, resources });
  assert.deepEqual(recorded.tools.map((tool) => tool.name), tools.map((tool) => tool.name));
  assert.equal(recorded.protocolVersion, "2025-11-25");

  const legacy = new LegacyClient({ name: "surface-test", version: "1.0.0" });
  await legacy.connect(new LegacyTransport(server.mcpUrl));
  assert.deepEqual((await legacy.listTools()).tools, recorded.tools);
  assert.deepEqual((await legacy.listPrompts()).prompts, recorded.prompts);
  assert.deepEqual((await legacy.listResourceTemplates()).resourceTemplates, recorded.resourceTemplates);
  assert.deepEqual(recorded.prompts?.map((prompt) => prompt.name), ["kb_runbook"]);
  assert.deepEqual(recorded.resourceTemplates?.map((template) => template.uriTemplate), ["kb://{key}"]);
  assert.deepEqual(recorded.resources, [], "a server holding no data lists no document, only declared resources (none ship)");
  await legacy.close();

  const modern = new ModernClient({ name: "surface-test", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await modern.connect(new ModernTransport(server.mcpUrl));
  assert.deepEqual((await modern.listTools()).tools, recorded.tools);
  await modern.close();
});

test("the recorded input schema is the JSON Schema the SDK publishes, bounds and all", async () => {
  const { tools: listed } = await registrySurface({ tools });
  const kbPut = listed.find((tool) => tool.name === "kb_put")!;
  assert.deepEqual(kbPut.inputSchema.required, ["key", "title", "body"]);
  assert.deepEqual((kbPut.inputSchema.properties as Record<string, unknown>).key, {
    type: "string",
    minLength: 1,
    maxLength: 200,
    pattern: "^[\\w.:/-]+$",
    description: "A stable identifier, e.g. 'runbooks/restore'.",
  });
  assert.deepEqual(kbPut.annotations, { readOnlyHint: false, openWorldHint: false });
});
