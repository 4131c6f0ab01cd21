/**
 * The tools an endpoint lists, exactly as an MCP client sees them: the SDK
 * client over Streamable HTTP, every page of tools/list, the session closed
 * after. The session is verify's kind (syntheticTransport): the guard never
 * counts it as agents' traffic.
 */
import { isDeepStrictEqual } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UsageError } from "../../stacks/cli.ts";
import { syntheticTransport } from "../../stacks/verify/transport.ts";
import type { ListedTool } from "./models/model.ts";

const TIMEOUT_MS = 15_000;
/** A server that pages forever is a bug on its side; stop well before it costs anything. */
const MAX_PAGES = 100;

export async function listTools(url: URL, headers: Record<string, string> = {}): Promise<ListedTool[]> {
  const client = new Client({ name: "mcp-hosting-eval", version: "1.0.0" });
  const transport = syntheticTransport(url, headers);
  try {
    await client.connect(transport, { timeout: TIMEOUT_MS });
  } catch (error) {
    throw new UsageError(`${url.href}: cannot open an MCP session: ${(error as Error).message.split("\n")[0]} (is the server running, and does it need --token?)`, 3);
  }
  try {
    const tools: ListedTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: TIMEOUT_MS });
      for (const tool of result.tools) {
        tools.push({ name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), inputSchema: tool.inputSchema as Record<string, unknown> });
      }
      cursor = result.nextCursor;
      if (cursor === undefined) return tools;
    }
    throw new UsageError(`${url.href}: tools/list still had more pages after ${MAX_PAGES}`, 3);
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

/** Tools that differ between two listings, by name: added, removed, or with another description or schema. */
export function listingChanges(candidate: readonly ListedTool[], baseline: readonly ListedTool[]): string[] {
  const before = new Map(baseline.map((tool) => [tool.name, tool]));
  const after = new Map(candidate.map((tool) => [tool.name, tool]));
  const changes: string[] = [];
  for (const [name, tool] of after) {
    const old = before.get(name);
    if (!old) changes.push(`${name}: added`);
    else if (old.description !== tool.description) changes.push(`${name}: description changed`);
    else if (!isDeepStrictEqual(old.inputSchema, tool.inputSchema)) changes.push(`${name}: input schema changed`);
  }
  for (const name of before.keys()) if (!after.has(name)) changes.push(`${name}: removed`);
  return changes;
}
