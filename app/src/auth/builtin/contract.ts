/**
 * The built-in authorization server's contract with the infrastructure: the
 * paths it serves on the edge's own origin (its issuer) and the bindings a
 * Worker needs to run it. `infra/` routes these paths to the first API
 * version's Worker; every version's Worker validates tokens itself against the
 * same KV namespace (@cloudflare/workers-oauth-provider, `validateToken`).
 */

/** Path prefixes of the authorization server on the edge's origin (Cloudflare route patterns end them in `*`). */
export const AUTH_SERVER_PATHS = [
  "/authorize",
  "/callback",
  "/register",
  "/oauth/",
  "/.well-known/oauth-authorization-server",
  "/.well-known/openid-configuration",
] as const;

/** The KV binding the library stores clients, grants and tokens in (its documented name). */
export const OAUTH_KV_BINDING = "OAUTH_KV";

/** The compatibility flag the library needs before it fetches Client ID Metadata Documents (SSRF protection). */
export const CIMD_COMPATIBILITY_FLAG = "global_fetch_strictly_public";

/** The providers a team can sign its users in with. */
export const UPSTREAM_PROVIDERS = ["github", "google", "oidc"] as const;
export type UpstreamProvider = (typeof UPSTREAM_PROVIDERS)[number];

/**
 * Bindings of the built-in mode, beside `MCP_OAUTH_ISSUER` (the edge's origin) and
 * the `MCP_OAUTH_SCOPES` / `MCP_OAUTH_TOOL_SCOPES` the issuer mode already reads.
 */
export const BUILTIN_BINDINGS = {
  /** Plain: `builtin`; unset or `issuer` means an outside issuer. */
  mode: "MCP_AUTH_MODE",
  /** Plain JSON: `{"provider":"github"|"google"|"oidc","clientId":"…","issuer":"https://…"}` (issuer for oidc only). */
  upstream: "MCP_AUTH_UPSTREAM",
  /** Secret: the upstream provider's client secret. */
  upstreamSecret: "MCP_AUTH_UPSTREAM_SECRET",
} as const;

/** Fly env in the built-in mode: the edge's origin; the Node service then takes MCP only as edge-signed calls. */
export const EDGE_ONLY_ENV = "MCP_EDGE_ORIGIN";

/**
 * The library's user id of a subject. Its tokens are `<userId>:<grantId>:<secret>` and it
 * refuses a user id holding `:`, which some providers' subjects do: `:` (and `%`) are escaped.
 */
export function encodeUserId(subject: string): string {
  return subject.replace(/%/g, "%25").replace(/:/g, "%3A");
}
