/**
 * The workerd peer: Cloudflare's `agents` McpAgent, written the way its docs
 * write one (a Durable Object per session, an SDK v1 `McpServer`, tools
 * registered in `init`, `McpAgent.serve("/mcp")`). Same tools as ours; the
 * scratchpad is a table in the agent's own SQLite storage. McpAgent serves the
 * 2025-11-25 era only (it is feature-frozen); the bench builds this with esbuild
 * and runs it under the same Miniflare setup as our Worker, with nodejs_compat.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpAgent } from "agents/mcp";
import { z } from "zod";

export class PeerMcp extends McpAgent {
  server = new McpServer({ name: "peer", version: "1.0.0" });

  async init(): Promise<void> {
    this.sql`CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, created_at TEXT NOT NULL)`;
    this.server.registerTool("echo", { description: "Returns the given text unchanged.", inputSchema: { text: z.string().max(100_000) } }, async ({ text }) => ({
      content: [{ type: "text", text }],
    }));
    this.server.registerTool("note_add", { description: "Appends a note to the scratchpad.", inputSchema: { text: z.string().min(1).max(4000) } }, async ({ text }) => {
      const createdAt = new Date().toISOString();
      const [row] = this.sql<{ id: number }>`INSERT INTO notes (text, created_at) VALUES (${text}, ${createdAt}) RETURNING id`;
      const structuredContent = { id: row!.id, createdAt };
      return { content: [{ type: "text", text: JSON.stringify(structuredContent) }], structuredContent };
    });
  }
}

export default {
  fetch(request: Request, env: Cloudflare.Env, ctx: ExecutionContext): Response | Promise<Response> {
    return PeerMcp.serve("/mcp", { binding: "PEER_MCP" }).fetch(request, env, ctx);
  },
};
