import type { ServerEventBus } from "@modelcontextprotocol/server";
import { ToolScopes } from "../../auth/tool-scopes.ts";
import { hostServices, type ToolHost } from "../../server/tool-host.ts";
import type { NoteStore } from "../../state/notes.ts";
import type { Catalog } from "../../tools/index.ts";
import type { Env, WorkerSettings } from "./env.ts";
import { workerTelemetry } from "./telemetry.ts";
import { upstreamOrigins } from "./upstream.ts";

/**
 * The ToolHost of the Worker and of its Durable Objects: `edge` tools run
 * in-process over `notes`, `fly` and `modal` ones are signed calls; `extra`
 * adds what only one of them has (the principal object's tasks, the
 * Worker's resource server scopes and event bus).
 */
export function workerHost(
  env: Env,
  settings: WorkerSettings,
  catalog: Catalog,
  notes: NoteStore,
  extra: Partial<Pick<ToolHost, "scopes" | "tasks" | "tasksElsewhere">> & { bus?: ServerEventBus } = {},
): ToolHost {
  const { bus, ...rest } = extra;
  return {
    local: { edge: { notes } },
    upstream: upstreamOrigins(settings),
    toolTimeoutMs: settings.MCP_TOOL_TIMEOUT_MS,
    defaultPrincipal: settings.MCP_DEFAULT_PRINCIPAL,
    logError: (message, error) => console.error(`[tool] ${message}:`, error),
    ...(settings.oauth ? { scopes: new ToolScopes(catalog.tools, settings.oauth) } : {}),
    ...hostServices(settings.MCP_UPSTREAM_SECRET, settings.MCP_DEFAULT_PRINCIPAL, bus),
    telemetry: workerTelemetry(env, settings),
    ...rest,
  };
}
