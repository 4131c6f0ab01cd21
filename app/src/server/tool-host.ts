import type { ToolScopes } from "../auth/tool-scopes.ts";
import type { Telemetry } from "../telemetry/telemetry.ts";
import type { Placement, PlacementState, ToolIsolation } from "../tools/define.ts";
import type { UpstreamOrigin } from "../upstream/client.ts";
import type { RegionRole } from "./writer-region.ts";

/**
 * What a runtime brings to the registry: the state of the placements it runs
 * in-process, and where the others live. Runtimes differ only here.
 */
export interface ToolHost {
  /** Placements run in this process, with their state. */
  local: Partial<PlacementState>;
  /** Placements reached over signed HTTP. */
  upstream: Partial<Record<Placement, UpstreamOrigin>>;
  /** Set on Fly: in a region that is not the primary, `fly` tools that need the primary's data run there. */
  region?: RegionRole;
  /** Per-call limit; a tool that runs longer gets an error result. */
  toolTimeoutMs: number;
  /** Principal for requests without a bearer subject (local use). */
  defaultPrincipal: string;
  /** Logs a tool failure with its stack; never shown to the client. */
  logError?: (message: string, error: unknown) => void;
  fetch?: typeof fetch;
  /** Runs the calls of tools that ask for isolation; a runtime without it fails them. */
  isolate?: IsolatedRunner;
  /** Set when the server takes OAuth access tokens: the scopes each tool's calls need. */
  scopes?: ToolScopes;
  /** Traces and records every tool call (app/src/telemetry/); without it calls go unobserved. */
  telemetry?: Telemetry;
}

/** Runs one call of an isolated tool away from the server's own heap and event loop. */
export interface IsolatedRunner {
  run(tool: { name: string; isolation: ToolIsolation }, args: unknown, scope: { principal: string; stateKey: string }, signal: AbortSignal): Promise<unknown>;
}
