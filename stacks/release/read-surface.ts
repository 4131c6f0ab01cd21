/**
 * Reads the MCP surface of a server the way a client does: `initialize`, then
 * every page of `tools/list`, `prompts/list`, `resources/templates/list` and
 * `resources/list` it advertises, over the SDK's in-memory transport. The schemas
 * are therefore the ones the SDK publishes (its zod → JSON Schema conversion,
 * `standardSchemaToJsonSchema` in @modelcontextprotocol/server), never
 * reconstructed from zod internals here.
 */
import { InMemoryTransport, type McpServer } from "@modelcontextprotocol/server";
import { buildMcpServer } from "../../app/src/server/build-server.ts";
import { hostServices, type ToolHost } from "../../app/src/server/tool-host.ts";
import type { PromptDefinition } from "../../app/src/tools/define-prompt.ts";
import type { ResourceDefinition } from "../../app/src/tools/define-resource.ts";
import type { ToolDefinition } from "../../app/src/tools/define.ts";
import { type Surface, surfaceSchema } from "./surface.ts";

/** The revision of the sessionful era, which every client in the wild speaks (DESIGN.md, Protocol). */
const PROTOCOL_VERSION = "2025-11-25";

/** Listing runs no tool, so the host needs no state and no upstream. */
const LISTING_HOST: ToolHost = { local: {}, upstream: {}, toolTimeoutMs: 1, defaultPrincipal: "surface", ...hostServices(undefined, "surface") };

interface JsonRpcAnswer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export interface Registry {
  tools: readonly ToolDefinition[];
  prompts?: readonly PromptDefinition[];
  resources?: readonly ResourceDefinition[];
}

/** The surface a server built from a registry publishes, as app/src/server/build-server.ts builds it for every runtime. */
export function registrySurface(registry: Registry): Promise<Surface> {
  return readSurface(buildMcpServer({ tools: registry.tools, prompts: registry.prompts ?? [], resources: registry.resources ?? [] }, LISTING_HOST));
}

export async function readSurface(server: McpServer): Promise<Surface> {
  const [client, serverSide] = InMemoryTransport.createLinkedPair();
  const waiting = new Map<number, (answer: JsonRpcAnswer) => void>();
  client.onmessage = (message) => {
    // What crosses the wire is JSON: keep exactly that, not the objects the SDK holds.
    const answer = JSON.parse(JSON.stringify(message)) as JsonRpcAnswer;
    if (typeof answer.id === "number") waiting.get(answer.id)?.(answer);
  };
  let next = 0;
  const request = async (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = ++next;
    const answered = new Promise<JsonRpcAnswer>((resolve) => waiting.set(id, resolve));
    await client.send({ jsonrpc: "2.0", id, method, params });
    const answer = await answered;
    if (!answer.result) throw new Error(`${method} failed: ${answer.error?.message ?? "no result"}`);
    return answer.result;
  };
  await server.connect(serverSide);
  await client.start();
  try {
    const init = await request("initialize", { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "mcp-hosting-surface", version: "1.0.0" } });
    await client.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    const every = async (method: string, key: string): Promise<unknown[]> => {
      const items: unknown[] = [];
      let cursor: unknown;
      do {
        const page = await request(method, cursor === undefined ? {} : { cursor });
        items.push(...((page[key] as unknown[] | undefined) ?? []));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return items;
    };
    const offers = (init.capabilities ?? {}) as Record<string, unknown>;
    return surfaceSchema.parse({
      protocolVersion: init.protocolVersion,
      tools: await every("tools/list", "tools"),
      ...(offers.prompts ? { prompts: await every("prompts/list", "prompts") } : {}),
      ...(offers.resources
        ? { resourceTemplates: await every("resources/templates/list", "resourceTemplates"), resources: await every("resources/list", "resources") }
        : {}),
    });
  } finally {
    await client.close();
    await server.close();
  }
}
