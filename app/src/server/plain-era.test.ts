import assert from "node:assert/strict";
import { test } from "node:test";
import { isLegacyRequest } from "@modelcontextprotocol/server";
import { plainEra } from "./plain-era.ts";

const CLAIM = "io.modelcontextprotocol/protocolVersion";
const envelope = (version: unknown) => ({ [CLAIM]: version, "io.modelcontextprotocol/clientInfo": { name: "c", version: "1" }, "io.modelcontextprotocol/clientCapabilities": {} });
const call = { name: "echo", arguments: { text: "hi" } };

// Bodies an SDK client sends in either era, and the malformed and borderline ones a plain answer must not guess at.
const BODIES: unknown[] = [
  { jsonrpc: "2.0", id: 1, method: "tools/call", params: call },
  { jsonrpc: "2.0", id: "a", method: "tools/list" },
  { jsonrpc: "2.0", id: 2, method: "tools/call", params: { ...call, _meta: envelope("2026-07-28") } },
  { jsonrpc: "2.0", id: 3, method: "tools/call", params: { ...call, _meta: envelope("2025-11-25") } },
  { jsonrpc: "2.0", id: 4, method: "tools/call", params: { ...call, _meta: { [CLAIM]: 7 } } },
  { jsonrpc: "2.0", id: 5, method: "tools/call", params: { ...call, _meta: { progressToken: "p" } } },
  { jsonrpc: "2.0", id: 6, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "c", version: "1" } } },
  { jsonrpc: "2.0", id: 7, method: "initialize", params: { _meta: envelope("2026-07-28") } },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: envelope("2026-07-28") } },
  { jsonrpc: "2.0", id: 8, result: {} },
  { jsonrpc: "2.0", id: 9, error: { code: -1, message: "x" } },
  { jsonrpc: "2.0", id: 10, method: "tools/call", result: {} },
  { jsonrpc: "1.0", id: 11, method: "tools/list" },
  { jsonrpc: "2.0", id: 1.5, method: "tools/list" },
  { jsonrpc: "2.0", id: null, method: "tools/list" },
  { jsonrpc: "2.0", id: 12, method: "tools/list", params: [1, 2] },
  { jsonrpc: "2.0", id: 13, method: "tools/list", extra: true },
  { jsonrpc: "2.0", id: 14, method: 5 },
  [{ jsonrpc: "2.0", id: 15, method: "tools/list" }],
  "tools/list",
];
const VERSION_HEADERS = [null, "2025-11-25", " 2025-06-18\t", "2026-07-28", " 2026-07-28 ", "2099-01-01", "garbage"];

test("wherever the plain classification answers, it answers what the SDK's isLegacyRequest does", async () => {
  let plain = 0;
  for (const body of BODIES) {
    for (const version of VERSION_HEADERS) {
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
      if (version !== null) headers["mcp-protocol-version"] = version;
      const request = new Request("http://localhost/v1/mcp", { method: "POST", headers, body: JSON.stringify(body) });
      const answer = plainEra("POST", body, request.headers.get("mcp-protocol-version"));
      if (answer === undefined) continue;
      plain++;
      const sdk = (await isLegacyRequest(request, body)) ? "legacy" : "modern";
      assert.equal(answer, sdk, `${JSON.stringify(body)} with MCP-Protocol-Version ${JSON.stringify(version)}`);
    }
  }
  // The common shapes of both eras are among those answered plainly.
  assert.ok(plain >= 20, `${plain} answered plainly`);
  assert.equal(plainEra("POST", BODIES[0], "2025-11-25"), "legacy");
  assert.equal(plainEra("POST", BODIES[2], "2026-07-28"), "modern");
  assert.equal(plainEra("GET", undefined, null), undefined);
});
