import type { GetPromptResult, McpServer, ServerContext } from "@modelcontextprotocol/server";
import type { PromptDefinition } from "../tools/define-prompt.ts";

import { withCachedJsonSchema } from "./cached-json-schema.ts";
import { invoke } from "./invoker.ts";
import { callScope, handlerOptions, valueOf } from "./mcp-call.ts";
import type { ToolHost } from "./tool-host.ts";

/**
 * Registers the prompts: the SDK lists them and checks `prompts/get`
 * arguments against each prompt's schema (a missing or bad one is -32602
 * naming it); the rendering runs where the prompt is placed.
 */
export function registerPrompts(server: McpServer, prompts: readonly PromptDefinition[], host: ToolHost): void {
  for (const prompt of prompts) {
    const render = async (args: Record<string, string>, ctx: ServerContext): Promise<GetPromptResult> =>
      valueOf(await invoke({ kind: "prompt", prompt, args }, callScope(ctx, host), host, handlerOptions(ctx, host))) as GetPromptResult;
    const metadata = { description: prompt.description, ...(prompt.title ? { title: prompt.title } : {}) };
    if (prompt.args === undefined) server.registerPrompt(prompt.name, metadata, (ctx: ServerContext) => render({}, ctx));
    else server.registerPrompt(prompt.name, { ...metadata, argsSchema: withCachedJsonSchema(prompt.args) }, (args, ctx) => render(args as Record<string, string>, ctx));
  }
}

