import { ProtocolError, ProtocolErrorCode, type McpServer } from "@modelcontextprotocol/server";
import { MAX_COMPLETIONS } from "../tools/completion.ts";
import { argumentNames, type PromptDefinition } from "../tools/define-prompt.ts";
import { templateVariables, type ResourceDefinition } from "../tools/define-resource.ts";
import type { Catalog } from "../tools/index.ts";
import { invoke } from "./invoker.ts";
import { callScope, handlerOptions, valueOf } from "./mcp-call.ts";
import type { ToolHost } from "./tool-host.ts";

type Completed = { prompt: PromptDefinition } | { resource: ResourceDefinition };

/**
 * `completion/complete` for prompt arguments and template variables. The
 * completer runs where its prompt or resource is placed (the knowledge
 * base's keys are completed in the Fly service). An unknown prompt or
 * template, or an argument it does not have, is -32602 naming what exists;
 * MCP caps an answer at 100 values and says how many there were.
 */
export function registerCompletions(server: McpServer, catalog: Catalog, host: ToolHost): void {
  if (catalog.prompts.length === 0 && !catalog.resources.some((resource) => "template" in resource)) return;
  server.server.registerCapabilities({ completions: {} });
  server.server.setRequestHandler("completion/complete", async (request, ctx) => {
    const { ref, argument } = request.params;
    const { completed, names, what } = lookUp(catalog, ref);
    if (!names.includes(argument.name)) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params: ${what} has no argument ${JSON.stringify(argument.name)}; its arguments are ${names.join(", ") || "none"}`);
    }
    const context = request.params.context?.arguments ?? {};
    const operation = { kind: "complete" as const, of: completed, request: { argument: argument.name, value: argument.value, context } };
    const values = valueOf(await invoke(operation, callScope(ctx, host), host, handlerOptions(ctx, host)));
    if (!Array.isArray(values) || values.some((value) => typeof value !== "string")) {
      throw new ProtocolError(ProtocolErrorCode.InternalError, `the completer of ${what} answered something other than a list of strings`);
    }
    return { completion: { values: values.slice(0, MAX_COMPLETIONS), total: values.length, hasMore: values.length > MAX_COMPLETIONS } };
  });
}

function lookUp(catalog: Catalog, ref: { type: string; name?: string; uri?: string }): { completed: Completed; names: string[]; what: string } {
  if (ref.type === "ref/prompt") {
    const prompt = catalog.prompts.find((candidate) => candidate.name === ref.name);
    if (prompt === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params: no prompt is named ${JSON.stringify(ref.name)}`);
    return { completed: { prompt }, names: argumentNames(prompt), what: `prompt ${prompt.name}` };
  }
  const resource = catalog.resources.find((candidate) => "template" in candidate && candidate.template === ref.uri);
  if (resource === undefined || !("template" in resource)) {
    const fixed = catalog.resources.some((candidate) => "uri" in candidate && candidate.uri === ref.uri);
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      fixed ? `Invalid params: ${ref.uri} is a resource, not a template: it has nothing to complete` : `Invalid params: no resource template is ${JSON.stringify(ref.uri)}`,
    );
  }
  return { completed: { resource }, names: templateVariables(resource.template), what: `resource template ${resource.template}` };
}
