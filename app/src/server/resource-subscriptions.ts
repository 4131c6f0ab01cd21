import { ResourceNotFoundError, UriTemplate, type McpServer } from "@modelcontextprotocol/server";
import type { ResourceDefinition } from "../tools/define-resource.ts";
import type { ToolHost } from "./tool-host.ts";

/**
 * `resources/subscribe` and `resources/unsubscribe` (2025-11-25; the
 * 2026-07-28 era has `subscriptions/listen` instead, and the SDK answers
 * these methods there with -32601). A session subscribes to a URI that
 * names a resource (a URI outside every resource and template is
 * resource-not-found) and then gets `notifications/resources/updated` when
 * a tool call changes it (a tool's `changes`), as far as the host's feed
 * reaches (change-feed.ts).
 */
export function registerSubscriptions(server: McpServer, resources: readonly ResourceDefinition[], host: ToolHost): void {
  const templates = resources.flatMap((resource) => ("template" in resource ? [new UriTemplate(resource.template)] : []));
  const fixed = new Set(resources.flatMap((resource) => ("uri" in resource ? [resource.uri] : [])));
  const subscribed = new Set<string>();
  let listening = false;
  server.server.setRequestHandler("resources/subscribe", async (request) => {
    const uri = canonical(request.params.uri);
    if (uri === undefined || !(fixed.has(uri) || templates.some((template) => template.match(uri) !== null))) throw new ResourceNotFoundError(request.params.uri);
    subscribed.add(uri);
    if (!listening) {
      listening = true;
      // Lazily, and only for as long as the session is connected: the feed outlives sessions.
      host.changes.listen((changed) => {
        if (!server.isConnected()) return false;
        if (subscribed.has(changed)) void server.server.sendResourceUpdated({ uri: changed }).catch(() => undefined);
        return true;
      });
    }
    return {};
  });
  server.server.setRequestHandler("resources/unsubscribe", async (request) => {
    const uri = canonical(request.params.uri);
    if (uri !== undefined) subscribed.delete(uri);
    return {};
  });
}

/** The URI as the SDK matches reads (`new URL(uri).toString()`), or `undefined` for one that is not a URI. */
function canonical(uri: string): string | undefined {
  return URL.canParse(uri) ? new URL(uri).toString() : undefined;
}
