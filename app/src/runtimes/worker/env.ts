import { z } from "zod";
import { builtinAuthOf, type UpstreamSettings } from "../../auth/builtin/settings.ts";
import { AuthSettingsError, oauthEnvShape, oauthSettingsOf, type OAuthSettings } from "../../auth/settings.ts";
import { parseAllowedHosts } from "../../server/host-rule.ts";
import { quotaSettingsProblem, quotasEnvValue } from "../../server/quota-settings.ts";
import { OtlpHeadersError, parseOtlpHeaders } from "../../telemetry/otlp-headers.ts";
import type { McpSession } from "./mcp-session.ts";
import type { PrincipalState } from "./principal-state.ts";

/** The Worker's bindings, as `wrangler.jsonc` locally and the EdgeWorker component in the cloud declare them. */
export interface Env {
  MCP_SESSION: DurableObjectNamespace<McpSession>;
  PRINCIPAL_STATE: DurableObjectNamespace<PrincipalState>;
  /** API versions this script serves, comma-separated (one per script in the cloud). */
  API_VERSIONS?: string;
  /** Origin of the Fly service (tools placed `fly`). */
  FLY_ORIGIN?: string;
  /** The Modal web endpoint of this version's color (tools placed `modal`). */
  MODAL_URL?: string;
  /** Secret: HMAC key for calls to Fly and Modal. */
  MCP_UPSTREAM_SECRET?: string;
  /** Secret: `token` or `subject=token`, comma-separated; unset means no auth. */
  MCP_AUTH_TOKEN?: string;
  MCP_ALLOWED_ORIGINS?: string;
  /**
   * Host names the Worker answers to, comma-separated; `localhost` (the
   * default) allows only the loopback names. In the cloud: the stack's
   * public hostname.
   */
  MCP_ALLOWED_HOSTS?: string;
  MCP_DEFAULT_PRINCIPAL?: string;
  MCP_TOOL_TIMEOUT_MS?: string;
  /**
   * A request body still arriving after this many ms gets 408, as on Node.
   * Cloudflare documents no read deadline of its own for a client's body, and
   * waiting costs a Worker no CPU time, so this is what ends a trickle.
   */
  MCP_REQUEST_TIMEOUT_MS?: string;
  /** Tool calls one session (or principal) may make per minute. */
  RATE_LIMIT_PER_MINUTE?: string;
  /** JSON: the stack's quotas block (app/src/server/quota-settings.ts); unset means no quotas. */
  MCP_QUOTAS?: string;
  /** SSE keep-alive comment interval; Cloudflare cuts streams idle for about 100 s. */
  SSE_KEEPALIVE_MS?: string;
  /** Longest life of a standalone GET stream, after which the client reconnects. */
  SSE_GET_MAX_MS?: string;
  /** The release and color this version runs, reported by /healthz. */
  RELEASE?: string;
  COLOR?: string;
  /** OAuth: the authorization server whose access tokens are accepted; unset means none. */
  MCP_OAUTH_ISSUER?: string;
  /** Scopes every request needs, space-separated. */
  MCP_OAUTH_SCOPES?: string;
  /** JSON: tool name → the scopes its calls need, replacing the tool's own. */
  MCP_OAUTH_TOOL_SCOPES?: string;
  /** The public origin (the custom domain); the canonical URI is `<origin>/<apiVersion>/mcp`. Unset: the request's origin. */
  MCP_PUBLIC_URL?: string;
  /** Set by dev:edge to an id made for the run; /healthz reports it, so dev:edge knows its own Worker answered. */
  DEV_RUN_ID?: string;
  /** Workers Analytics Engine: one data point per tool call (app/src/telemetry/call-point.ts). */
  MCP_CALLS?: AnalyticsEngineDataset;
  /**
   * Local runs only (dev:edge, tests), where Analytics Engine keeps nothing:
   * each data point is POSTed here instead, to the local telemetry store.
   */
  MCP_CALLS_URL?: string;
  /** Where this Worker's spans go, OTLP over HTTP (`<endpoint>/v1/traces`); unset, they are not exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  /** Secret: headers of every export, `key=value,…`. */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  /** `1` records tool arguments and results on spans (opt-in, as the conventions say). */
  MCP_TELEMETRY_CONTENT?: string;
  /** `builtin`: this edge is its own authorization server (app/src/auth/builtin/); MCP_OAUTH_ISSUER is then its origin. */
  MCP_AUTH_MODE?: string;
  /** JSON: the provider users sign in with, `{"provider","clientId","issuer"?}`. */
  MCP_AUTH_UPSTREAM?: string;
  /** Secret: that provider's client secret. */
  MCP_AUTH_UPSTREAM_SECRET?: string;
  /** The built-in server's clients, grants and tokens, one namespace per stack (both colors, every version). */
  OAUTH_KV?: KVNamespace;
}

const WorkerSettings = z.object({
  API_VERSIONS: z
    .string()
    .default("v1")
    .transform((value) => value.split(",").map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^v\d+$/, "expected v1, v2, …")).min(1)),
  FLY_ORIGIN: z.url().optional(),
  MODAL_URL: z.url().optional(),
  MCP_UPSTREAM_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  MCP_AUTH_TOKEN: z.string().optional(),
  MCP_ALLOWED_ORIGINS: z
    .string()
    .default("localhost")
    .transform((value) => (value === "localhost" ? ("localhost" as const) : value.split(",").map((part) => part.trim()).filter(Boolean))),
  MCP_ALLOWED_HOSTS: z.string().default("localhost").transform(parseAllowedHosts),
  MCP_DEFAULT_PRINCIPAL: z.string().min(1).default("local"),
  MCP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  MCP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  MCP_QUOTAS: quotasEnvValue.optional(),
  SSE_KEEPALIVE_MS: z.coerce.number().int().min(1000).max(90_000).default(15_000),
  SSE_GET_MAX_MS: z.coerce.number().int().min(0).default(600_000),
  RELEASE: z.string().default("local"),
  COLOR: z.string().default("local"),
  ...oauthEnvShape,
  DEV_RUN_ID: z.string().optional(),
  MCP_CALLS_URL: z.url().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  MCP_TELEMETRY_CONTENT: z.enum(["0", "1"]).default("0"),
});

export type WorkerSettings = Omit<z.output<typeof WorkerSettings>, "OTEL_EXPORTER_OTLP_HEADERS"> & {
  oauth: OAuthSettings | undefined;
  /** The built-in authorization server's provider, when `MCP_AUTH_MODE` is `builtin`. */
  builtin: UpstreamSettings | undefined;
  /** Where spans are exported, with the parsed headers; undefined without an endpoint. */
  otlp: { endpoint: string; headers: Record<string, string> } | undefined;
};

const cache = new WeakMap<object, WorkerSettings>();

/** Parses the bindings once per isolate; a bad binding names itself and what was expected. */
export function workerSettings(env: Env): WorkerSettings {
  let settings = cache.get(env);
  if (settings === undefined) {
    const parsed = WorkerSettings.safeParse(env);
    if (!parsed.success) {
      throw new Error(`invalid Worker bindings: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
    }
    const { OTEL_EXPORTER_OTLP_HEADERS: headers, ...data } = parsed.data;
    const quotaProblem = quotaSettingsProblem(data.MCP_QUOTAS, data.MCP_OAUTH_ISSUER);
    if (quotaProblem) throw new Error(`invalid Worker bindings: ${quotaProblem}`);
    try {
      const otlp = data.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? undefined : { endpoint: data.OTEL_EXPORTER_OTLP_ENDPOINT, headers: parseOtlpHeaders(headers) };
      settings = { ...data, oauth: oauthSettingsOf(data), builtin: builtinOf(env), otlp };
    } catch (error) {
      if (error instanceof OtlpHeadersError) throw new Error(`invalid Worker bindings: OTEL_EXPORTER_OTLP_HEADERS: ${error.message}`);
      throw error instanceof AuthSettingsError ? new Error(`invalid Worker bindings: ${error.message}`) : error;
    }
    cache.set(env, settings);
  }
  return settings;
}

/** The built-in mode needs its origin as the issuer and its KV namespace; without them it could not issue a token. */
function builtinOf(env: Env): UpstreamSettings | undefined {
  const upstream = builtinAuthOf(env);
  if (upstream === undefined) return undefined;
  if (env.MCP_OAUTH_ISSUER === undefined) throw new AuthSettingsError("MCP_OAUTH_ISSUER: is required with MCP_AUTH_MODE=builtin (expected the edge's own origin, e.g. https://mcp.example.com)");
  if (env.OAUTH_KV === undefined) throw new AuthSettingsError("OAUTH_KV: is not bound (expected the stack's OAuth KV namespace with MCP_AUTH_MODE=builtin)");
  return upstream;
}
