import { resolve } from "node:path";
import { z } from "zod";
import { EDGE_ONLY_ENV } from "../auth/builtin/contract.ts";
import { AuthSettingsError, oauthEnvShape, oauthSettingsOf } from "../auth/settings.ts";
import { quotaSettingsProblem, quotasEnvValue } from "../server/quota-settings.ts";
import { OtlpHeadersError, parseOtlpHeaders } from "../telemetry/otlp-headers.ts";

const flyRegion = z.string().regex(/^[a-z]{3}$/, "expected a Fly region code such as iad");

/** Environment of the Node runtime; every variable is optional locally. */
const NodeEnv = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Where the SQLite database lives. */
  MCP_DATA_DIR: z.string().default(".data"),
  /** API versions served at `/<version>/mcp`. */
  MCP_API_VERSIONS: z
    .string()
    .default("v1")
    .transform((value) => value.split(",").map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^v\d+$/, "expected v1, v2, …")).min(1)),
  /** Comma-separated browser origins, or `localhost` for any local port. */
  MCP_ALLOWED_ORIGINS: z
    .string()
    .default("localhost")
    .transform((value) => (value === "localhost" ? ("localhost" as const) : value.split(",").map((part) => part.trim()).filter(Boolean))),
  /** `token` or `subject=token`, comma-separated; unset means no auth. */
  MCP_AUTH_TOKEN: z.string().optional(),
  MCP_DEFAULT_PRINCIPAL: z.string().min(1).default("local"),
  MCP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  MCP_SESSION_IDLE_HOURS: z.coerce.number().positive().default(24),
  /** A client must finish sending its request headers within this time (408 otherwise). */
  MCP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** A client must finish sending its whole request, body included, within this time (408 otherwise). */
  MCP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** HMAC key shared with the Modal app and the edge; generated for the local compute runner when unset. */
  MCP_UPSTREAM_SECRET: z.string().min(16).optional(),
  /** The Modal web endpoint; unset locally, where the compute runner is started instead. */
  MODAL_URL: z.url().optional(),
  /** Set to `0` to serve without starting the local Python compute runner. */
  MCP_START_COMPUTE: z.enum(["0", "1"]).default("1"),
  /** This machine's region; Fly sets it. Unset locally. */
  FLY_REGION: flyRegion.optional(),
  /** The single writer region; the Fly component sets it. Unset locally. */
  PRIMARY_REGION: flyRegion.optional(),
  /** The Fly app's name; Fly sets it. Names the primary on the private network. */
  FLY_APP_NAME: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "expected a Fly app name").optional(),
  /** Where a non-primary region reaches the primary's signed tool endpoint. */
  MCP_PRIMARY_ORIGIN: z.url().optional(),
  /** The primary's Litestream replica; a non-primary region restores it into a read-only copy for reads. */
  MCP_FOLLOW_REPLICA_URL: z.string().regex(/^[a-z0-9]+:\/\/\S+$/, "expected a replica URL such as s3://bucket/litestream/iad/mcp.sqlite").optional(),
  /** Seconds between restores of the primary's replica. */
  MCP_FOLLOW_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  /** The Litestream binary. */
  LITESTREAM: z.string().min(1).default("litestream"),
  /** `conformance` adds the conformance suite's fixtures to what is served (app/src/fixtures/conformance/); unset in production. */
  MCP_FIXTURES: z.enum(["conformance"]).optional(),
  /** OAuth: the issuer, base and per-tool scopes, the public origin (app/src/auth/settings.ts). */
  ...oauthEnvShape,
  /**
   * The edge's origin when the edge is its own authorization server (`auth.mode: builtin`): MCP is then taken
   * only as the edge's signed calls, and a direct request to `/<version>/mcp` is answered 403 naming the edge's URL.
   */
  [EDGE_ONLY_ENV]: z
    .url({ protocol: /^https?$/, error: "expected the edge's origin, e.g. https://mcp.example.com" })
    .refine((value) => new URL(value).origin === value.replace(/\/$/, ""), "expected an origin only (https://host, no path, query or fragment)")
    .transform((value) => new URL(value).origin)
    .optional(),
  /** JSON: the quotas block (app/src/server/quota-settings.ts), as the stack's `quotas`; unset means no quotas. */
  MCP_QUOTAS: quotasEnvValue.optional(),
  /** The release this server runs (the Fly component sets it); on every span and metric. */
  MCP_RELEASE: z.string().min(1).default("local"),
  /** The color recorded for calls that do not come through an edge color (the edge names its own in the call's baggage). */
  MCP_COLOR: z.string().regex(/^[a-z]{1,16}$/, "expected a lowercase word such as local").default("local"),
  /** Where spans go, OTLP over HTTP (`<endpoint>/v1/traces`); unset, spans are not exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Secret: headers of every export, `key=value,…` (e.g. an API key). */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  /** How long one export may take before it is given up (ms), as the OpenTelemetry SDK spec names it. */
  OTEL_EXPORTER_OTLP_TIMEOUT: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** `1` records tool arguments and results on spans (the conventions' opt-in attributes). */
  MCP_TELEMETRY_CONTENT: z.enum(["0", "1"]).default("0"),
  /** Serve `/metrics` on this port only (Fly scrapes it there), not on the public one. Unset: on the public port. */
  MCP_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

export type NodeConfig = ReturnType<typeof loadNodeConfig>;

/** Parses the environment once; a bad value names the variable and what was expected. */
export function loadNodeConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = NodeEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid environment:\n${lines.join("\n")}`);
  }
  const value = parsed.data;
  let oauth;
  try {
    oauth = oauthSettingsOf(value);
  } catch (error) {
    if (error instanceof AuthSettingsError) throw new Error(`invalid environment:\n  ${error.message}`);
    throw error;
  }
  if (oauth && value[EDGE_ONLY_ENV] !== undefined) {
    throw new Error(`invalid environment:\n  ${EDGE_ONLY_ENV}: set beside MCP_OAUTH_ISSUER (expected one: the edge's origin takes MCP at the edge only, an issuer lets this service check tokens itself)`);
  }
  // Behind the edge's own authorization server no token reaches this service: the edge applies the tenant claim.
  const quotaProblem = quotaSettingsProblem(value.MCP_QUOTAS, value.MCP_OAUTH_ISSUER ?? value[EDGE_ONLY_ENV]);
  if (quotaProblem) throw new Error(`invalid environment:\n  ${quotaProblem}`);
  // Tokens are issued for the URL clients use; 0.0.0.0 (on Fly, say) is no such URL.
  if (oauth && value.MCP_PUBLIC_URL === undefined && !["127.0.0.1", "localhost", "::1"].includes(value.HOST)) {
    throw new Error(`invalid environment:\n  MCP_PUBLIC_URL: required with MCP_OAUTH_ISSUER when HOST=${value.HOST} (the origin clients reach, e.g. https://mcp.example.com)`);
  }
  let otlpHeaders: Record<string, string>;
  try {
    otlpHeaders = parseOtlpHeaders(value.OTEL_EXPORTER_OTLP_HEADERS);
  } catch (error) {
    if (error instanceof OtlpHeadersError) throw new Error(`invalid environment:\n  OTEL_EXPORTER_OTLP_HEADERS: ${error.message}`);
    throw error;
  }
  const otlp = value.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? undefined : { endpoint: value.OTEL_EXPORTER_OTLP_ENDPOINT, headers: otlpHeaders, timeoutMs: value.OTEL_EXPORTER_OTLP_TIMEOUT };
  return { ...value, databasePath: resolve(value.MCP_DATA_DIR, "mcp.sqlite"), writer: writerOf(value), oauth, otlp, edgeOrigin: value[EDGE_ONLY_ENV] };
}

/**
 * The primary region as a non-primary region sees it, or `undefined` when
 * this server is the primary (both variables unset, either unset, or equal).
 */
function writerOf(env: z.output<typeof NodeEnv>): { region: string; primaryRegion: string; primaryOrigin: string; secret: string } | undefined {
  const { FLY_REGION: region, PRIMARY_REGION: primaryRegion } = env;
  if (region === undefined || primaryRegion === undefined || region === primaryRegion) return undefined;
  const where = `FLY_REGION=${region} is not PRIMARY_REGION=${primaryRegion}`;
  if (env.MCP_UPSTREAM_SECRET === undefined) {
    throw new Error(`invalid environment:\n  MCP_UPSTREAM_SECRET: required where ${where}: writes are forwarded to the primary, signed with it`);
  }
  // Fly's private network: <region>.<app>.internal reaches the machines of that region (IPv6).
  const primaryOrigin = env.MCP_PRIMARY_ORIGIN ?? (env.FLY_APP_NAME ? `http://${primaryRegion}.${env.FLY_APP_NAME}.internal:${env.PORT}` : undefined);
  if (primaryOrigin === undefined) {
    throw new Error(`invalid environment:\n  FLY_APP_NAME or MCP_PRIMARY_ORIGIN: required where ${where}, to reach the primary`);
  }
  return { region, primaryRegion, primaryOrigin, secret: env.MCP_UPSTREAM_SECRET };
}
