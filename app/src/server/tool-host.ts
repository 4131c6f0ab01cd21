import { InMemoryServerEventBus, type RequestStateCodec, type ServerEventBus } from "@modelcontextprotocol/server";
import type { ToolScopes } from "../auth/tool-scopes.ts";
import type { CallReporter } from "../tools/context.ts";
import type { Telemetry } from "../telemetry/telemetry.ts";
import type { Placement, PlacementState, ToolIsolation } from "../tools/define.ts";
import type { UpstreamOrigin } from "../upstream/client.ts";
import { ProgressTokens } from "./progress-tokens.ts";
import { createRequestState } from "./request-state.ts";
import { ChangeFeed } from "./change-feed.ts";
import type { TaskRunner } from "./tasks.ts";
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
  /** The progress tokens of the requests in progress (one token per active request). */
  progressTokens: ProgressTokens;
  /** Where changed resources and lists are announced, to subscribed sessions and listening streams. */
  changes: ChangeFeed;
  /** Seals and verifies multi-round `requestState` (request-state.ts). */
  requestState: RequestStateCodec<Record<string, unknown>>;
  /** Traces and records every tool call (app/src/telemetry/); without it calls go unobserved. */
  telemetry?: Telemetry;
  /** Keeps tasks (io.modelcontextprotocol/tasks, server/tasks.ts); a runtime without it serves every call as an ordinary one. */
  tasks?: TaskRunner;
  /**
   * Set where another holder serves the tasks of this host's callers (the
   * Worker forwards every task call to the principal's Durable Object): the
   * extension is advertised here all the same.
   */
  tasksElsewhere?: boolean;
}

/** Runs one call of an isolated tool away from the server's own heap and event loop. */
export interface IsolatedRunner {
  run(tool: { name: string; isolation: ToolIsolation }, args: unknown, scope: { principal: string; stateKey: string }, signal: AbortSignal, reporter: CallReporter): Promise<unknown>;
}

/**
 * The parts of a host that every runtime makes the same way: the progress
 * tokens in use, the change feed (over `bus`, the one feeding the host's
 * `subscriptions/listen` streams) and the `requestState` seal
 * (whose key comes from the upstream secret, when the host has one).
 */
export function hostServices(
  upstreamSecret: string | undefined,
  defaultPrincipal: string,
  bus: ServerEventBus = new InMemoryServerEventBus(),
): Pick<ToolHost, "progressTokens" | "changes" | "requestState"> {
  return { progressTokens: new ProgressTokens(), changes: new ChangeFeed(bus), requestState: createRequestState(upstreamSecret, defaultPrincipal) };
}
