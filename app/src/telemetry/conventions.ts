/**
 * The names OpenTelemetry's MCP semantic conventions give to what we record
 * (open-telemetry/semantic-conventions-genai, docs/gen-ai/mcp.md and the
 * attribute registry), spelled once. The Python runner spells the same names
 * in app/modal/telemetry.py; a test holds the two together.
 */

export const MCP_ATTRIBUTES = {
  methodName: "mcp.method.name",
  protocolVersion: "mcp.protocol.version",
  /** Only where the protocol has sessions: revisions before 2026-07-28. */
  sessionId: "mcp.session.id",
  toolName: "gen_ai.tool.name",
  operationName: "gen_ai.operation.name",
  requestId: "jsonrpc.request.id",
  errorType: "error.type",
  /** Opt-in (the conventions' `Opt-In` level): recorded only when a stack asks for it. */
  toolArguments: "gen_ai.tool.call.arguments",
  toolResult: "gen_ai.tool.call.result",
  networkTransport: "network.transport",
  networkProtocolName: "network.protocol.name",
} as const;

/**
 * Ours, namespaced as the conventions ask of attributes they do not define.
 * `color` and `api_version` name the edge deployment a call came through: on
 * Fly and Modal they arrive with the call (W3C baggage), so the guard can
 * compare a canary with the live color there too.
 */
export const HOSTING_ATTRIBUTES = {
  release: "mcp_hosting.release",
  color: "mcp_hosting.color",
  apiVersion: "mcp_hosting.api_version",
  /**
   * Set (true) on the calls of our own scripted sessions (`verify`), which
   * name themselves in their baggage: the guard judges agents' traffic without them.
   */
  synthetic: "mcp_hosting.synthetic",
} as const;

/** The baggage keys that carry the edge deployment to Fly and Modal, and mark scripted calls (W3C Baggage). */
export const BAGGAGE_KEYS = { color: "mcp_hosting.color", apiVersion: "mcp_hosting.api_version", synthetic: "mcp_hosting.synthetic" } as const;

export const EXECUTE_TOOL = "execute_tool";
/** `error.type` of a CallToolResult with `isError` set (docs/gen-ai/mcp.md, note [1] on error.type). */
export const TOOL_ERROR = "tool_error";
export const TOOLS_CALL = "tools/call";

/** The first revision without protocol sessions: from it on, `mcp.session.id` is not recorded. */
export const SESSIONLESS_REVISION = "2026-07-28";

/**
 * `mcp.server.operation.duration`: a histogram in seconds, with the explicit
 * bucket boundaries the conventions recommend for it.
 */
export const OPERATION_DURATION = {
  name: "mcp.server.operation.duration",
  unit: "s",
  description: "The duration of the MCP request or notification as observed on the receiver from the time it was received until the result or ack is sent.",
  buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
} as const;

/**
 * `mcp_hosting.quota.decisions`: tool calls checked against a quota (app/src/server/quotas.ts),
 * counted by `gen_ai.tool.name` and `mcp_hosting.quota.outcome` (`admitted`, `minute_limited`,
 * `day_exhausted`). Never by principal or tenant: whose calls they were stays out of telemetry.
 */
export const QUOTA_DECISIONS = {
  name: "mcp_hosting.quota.decisions",
  description: "Tool calls checked against a quota, by tool and outcome.",
  outcome: "mcp_hosting.quota.outcome",
} as const;

/** `{mcp.method.name} {target}`, or the method alone when there is no low-cardinality target. */
export function spanName(method: string, target?: string): string {
  return target ? `${method} ${target}` : method;
}

/** Whether a protocol revision has sessions (revisions are dates, so they compare as strings). */
export function hasSessions(protocolVersion: string | undefined): boolean {
  return protocolVersion === undefined || protocolVersion < SESSIONLESS_REVISION;
}

/** Where a span or data point was made: the deployment's identity, on every one of them. */
export interface Deployment {
  /** `service.name`, e.g. `mcp-hosting-edge`. */
  service: string;
  /** The release id (`r-<12 hex>`, or `local`). */
  release: string;
  /** The color of this deployment (edge), or of the edge deployment a call came through (Fly, Modal). */
  color: string;
}
