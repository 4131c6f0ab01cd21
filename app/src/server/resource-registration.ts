import { ProtocolError, ProtocolErrorCode, ResourceTemplate, type McpServer, type ReadResourceResult, type ServerContext } from "@modelcontextprotocol/server";
import type { ResourceBody, ResourceDefinition, ResourceEntry } from "../tools/define-resource.ts";
import { resourceNotFound } from "../tools/define-resource.ts";
import { invoke } from "./invoker.ts";
import { callScope, handlerOptions, valueOf } from "./mcp-call.ts";
import type { ToolHost } from "./tool-host.ts";

/**
 * Registers the resources and resource templates. The SDK lists them,
 * matches a read's URI against the templates and answers a URI outside all
 * of them with resource-not-found (-32602 with the URI); reading, and
 * listing a template's resources, run where the resource is placed.
 */
export function registerResources(server: McpServer, resources: readonly ResourceDefinition[], host: ToolHost): void {
  for (const resource of resources) {
    const metadata = {
      description: resource.description,
      ...(resource.title ? { title: resource.title } : {}),
      ...(resource.mimeType ? { mimeType: resource.mimeType } : {}),
      ...(resource.cacheHint ? { cacheHint: resource.cacheHint } : {}),
    };
    const read = async (uri: URL, variables: Record<string, string>, ctx: ServerContext): Promise<ReadResourceResult> => {
      const target = { uri: uri.href, variables };
      const body = valueOf(await invoke({ kind: "read", resource, target }, callScope(ctx, host), host, handlerOptions(ctx, host)));
      if (!isResourceBody(body)) throw new ProtocolError(ProtocolErrorCode.InternalError, `${resource.name} answered ${uri.href} with neither text nor a base64 blob`);
      return { contents: [{ uri: uri.href, ...withMimeType(body, resource.mimeType) }] };
    };
    if ("uri" in resource) {
      server.registerResource(resource.name, resource.uri, metadata, (uri, ctx) => read(uri, {}, ctx));
      continue;
    }
    const listed = resource.placement === "modal" ? resource.listed === true : "list" in resource && resource.list !== undefined;
    const template = new ResourceTemplate(resource.template, { list: listed ? (ctx) => listTemplate(resource, ctx, host) : undefined });
    server.registerResource(resource.name, template, metadata, (uri, variables, ctx) => read(uri, decoded(uri, variables), ctx));
  }
}

/**
 * A template's resources for `resources/list`. A placement that cannot
 * list right now (its backend is down) leaves its resources out, logged,
 * rather than failing the whole list: the template itself stays in
 * `resources/templates/list`, and reads say what is wrong.
 */
async function listTemplate(resource: ResourceDefinition, ctx: ServerContext, host: ToolHost): Promise<{ resources: ResourceEntry[] }> {
  const outcome = await invoke({ kind: "list", resource }, callScope(ctx, host), host, handlerOptions(ctx, host));
  if (outcome.ok && Array.isArray(outcome.value)) return { resources: outcome.value as ResourceEntry[] };
  host.logError?.(`resources/list left out ${resource.name}`, outcome.ok ? "its list is not an array" : outcome.message);
  return { resources: [] };
}

/** The matched variables, percent-decoded (`{key}` expansion encodes them); a value that does not decode names no resource. */
function decoded(uri: URL, variables: Record<string, string | string[]>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    try {
      values[name] = decodeURIComponent(Array.isArray(value) ? value.join(",") : value);
    } catch {
      resourceNotFound(uri.href);
    }
  }
  return values;
}

function withMimeType(body: ResourceBody, fallback: string | undefined): ResourceBody {
  const mimeType = body.mimeType ?? fallback;
  return mimeType === undefined ? body : { ...body, mimeType };
}

function isResourceBody(value: unknown): value is ResourceBody {
  const body = value as { text?: unknown; blob?: unknown; mimeType?: unknown } | null;
  return body !== null && typeof body === "object" && (typeof body.text === "string" || typeof body.blob === "string") && (body.mimeType === undefined || typeof body.mimeType === "string");
}
