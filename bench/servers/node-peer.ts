/**
 * The peer: a plain MCP SDK server on Node, written the way the SDK's own
 * examples write one (modelcontextprotocol/typescript-sdk, examples/):
 *
 * - 2026-07-28 at `/modern/mcp`: `createMcpHandler(buildServer)` behind
 *   `toNodeHandler` and the localhost host/origin guards on `node:http` (the
 *   raw `node:http` shape of `examples/gateway/server.ts`);
 * - 2025-11-25 at `/legacy/mcp`: one `NodeStreamableHTTPServerTransport` and
 *   `McpServer` per session in an in-memory map (`examples/standalone-get/server.ts`),
 *   with the JSON body parsed here instead of by Express's `json()` middleware.
 *
 * Same tools, same answers as ours: `echo`, and `note_add` appending to an
 * in-memory scratchpad (the examples keep their state in memory; ours writes SQLite).
 *
 * With `PEER_EVENT_STORE=1` each 2025-11-25 transport gets an event store for
 * resumability, as ours has one: the SDK's own `InMemoryEventStore`, the one
 * its examples pass as `eventStore` (`examples/shared/inMemoryEventStore` in
 * @modelcontextprotocol/sdk, used by `examples/server/simpleStreamableHttp`),
 * imported as shipped. 2026-07-28 has no sessions to resume; that leg is the
 * same either way.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { localhostHostValidation, localhostOriginValidation, NodeStreamableHTTPServerTransport, toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, isInitializeRequest, McpServer } from "@modelcontextprotocol/server";
import { InMemoryEventStore } from "@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js";
import * as z from "zod/v4";

const withEventStore = process.env.PEER_EVENT_STORE === "1";

const notes = new Map<string, { id: number; text: string; createdAt: string }[]>();
let nextNoteId = 1;

function buildServer(): McpServer {
  const server = new McpServer({ name: "peer", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.registerTool("echo", { description: "Returns the given text unchanged.", inputSchema: z.object({ text: z.string().max(100_000) }) }, async ({ text }) => ({
    content: [{ type: "text", text }],
  }));
  server.registerTool("note_add", { description: "Appends a note to the scratchpad.", inputSchema: z.object({ text: z.string().min(1).max(4000) }) }, async ({ text }, ctx) => {
    const key = ctx.sessionId ?? "principal";
    const note = { id: nextNoteId++, text, createdAt: new Date().toISOString() };
    notes.set(key, [...(notes.get(key) ?? []), note]);
    const structuredContent = { id: note.id, createdAt: note.createdAt };
    return { content: [{ type: "text", text: JSON.stringify(structuredContent) }], structuredContent };
  });
  return server;
}

const modern = toNodeHandler(createMcpHandler(buildServer));
const sessions = new Map<string, NodeStreamableHTTPServerTransport>();

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString());
}

const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();
const server = createServer(async (req, res) => {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  if (req.url === "/modern/mcp") {
    void modern(req, res);
    return;
  }
  const sid = req.headers["mcp-session-id"] as string | undefined;
  const body = req.method === "POST" ? await readJson(req) : undefined;
  if (sid && sessions.has(sid)) {
    await sessions.get(sid)!.handleRequest(req, res, body);
  } else if (!sid && isInitializeRequest(body)) {
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      ...(withEventStore ? { eventStore: new InMemoryEventStore() } : {}),
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
      },
    });
    transport.onclose = () => transport.sessionId && sessions.delete(transport.sessionId);
    await buildServer().connect(transport);
    await transport.handleRequest(req, res, body);
  } else {
    res.writeHead(sid ? 404 : 400, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Bad Request" }, id: null }));
  }
});
server.listen(0, "127.0.0.1", () => console.log(`peer${withEventStore ? " (event store)" : ""} listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
