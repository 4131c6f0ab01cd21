/**
 * How a runtime is told to be an OAuth 2.1 resource server: the same four
 * variables for `npm start` (environment) and the Worker (bindings), parsed by
 * the same zod shape so both refuse the same mistakes with the same words.
 */
import { z } from "zod";

/** An RFC 6749 §3.3 scope-token: printable ASCII without space, `"` or `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Hosts where an `http://` issuer is acceptable: this machine only (the SDK's metadata builder allows the same two). */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1"];

/** What the resource server needs to know about its authorization server and its scopes. */
export interface OAuthSettings {
  /**
   * The issuer identifier exactly as the authorization server writes it in `iss`
   * (a trailing slash matters: Auth0's ends in one).
   */
  issuer: string;
  /** Scopes every request needs; advertised in `scopes_supported` and in the 401 challenge. */
  scopes: readonly string[];
  /** Per-tool scopes that replace the ones a tool declares in its definition. */
  toolScopes: Readonly<Record<string, readonly string[]>>;
}

const isLoopback = (url: URL) => LOOPBACK_HOSTS.includes(url.hostname);

const issuer = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not a URL (expected the issuer, e.g. https://acme.us.auth0.com/)` });
    return;
  }
  // OAuth 2.1 §1.5 and the MCP spec ("Communication Security"): authorization servers are served over HTTPS.
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url))) {
    ctx.addIssue({ code: "custom", message: `${value} must be https:// (http:// only on localhost or 127.0.0.1)` });
  }
  // RFC 8414 §2: an issuer has no query and no fragment.
  if (url.search || url.hash || value.includes("#")) ctx.addIssue({ code: "custom", message: `${value} must have no query or fragment (RFC 8414 §2)` });
});

function scopeTokens(value: readonly string[], ctx: z.RefinementCtx, where: string): void {
  for (const scope of value) {
    if (!SCOPE_TOKEN.test(scope)) ctx.addIssue({ code: "custom", message: `${where}${JSON.stringify(scope)} is not an OAuth scope (RFC 6749 §3.3: printable ASCII, no space, " or \\)` });
    // MCP 2026-07-28, "Refresh Tokens": servers SHOULD NOT ask for offline_access; refresh tokens are no resource requirement.
    if (scope === "offline_access") ctx.addIssue({ code: "custom", message: `${where}offline_access is for clients to ask the authorization server, not a scope of this resource` });
  }
}

const scopeList = z
  .string()
  .transform((value) => value.split(/[\s,]+/).filter(Boolean))
  .superRefine((value, ctx) => scopeTokens(value, ctx, ""));

const toolScopes = z.string().transform((value, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: "custom", message: 'is not JSON (expected e.g. {"kb_put":["kb:write"]})' });
    return z.NEVER;
  }
  const shape = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "expected a tool name"), z.array(z.string()).min(1));
  const checked = shape.safeParse(parsed);
  if (!checked.success) {
    ctx.addIssue({ code: "custom", message: `expected {"<tool>": ["<scope>", …]}: ${checked.error.issues[0]?.message ?? "wrong shape"}` });
    return z.NEVER;
  }
  for (const [tool, scopes] of Object.entries(checked.data)) scopeTokens(scopes, ctx, `${tool}: `);
  return checked.data as Record<string, readonly string[]>;
});

const publicUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)} is not a URL (expected an origin such as https://mcp.example.com)` });
    return;
  }
  if (!["http:", "https:"].includes(url.protocol) || url.pathname !== "/" || url.search || url.hash) {
    ctx.addIssue({ code: "custom", message: `${value} is not an origin (expected e.g. https://mcp.example.com, no path)` });
  }
});

/** The variables, for the Node environment schema and the Worker bindings schema alike. */
export const oauthEnvShape = {
  /** The authorization server; unset means no OAuth (static tokens or no auth). */
  MCP_OAUTH_ISSUER: issuer.optional(),
  /** Scopes every request needs, space- or comma-separated. */
  MCP_OAUTH_SCOPES: scopeList.optional(),
  /** JSON: tool name → the scopes a call needs, replacing the tool's own. */
  MCP_OAUTH_TOOL_SCOPES: toolScopes.optional(),
  /** The public origin; the canonical URI of each endpoint is `<origin>/<apiVersion>/mcp`. */
  MCP_PUBLIC_URL: publicUrl.optional(),
};

type OAuthEnv = { [K in keyof typeof oauthEnvShape]?: z.output<(typeof oauthEnvShape)[K]> };

/**
 * The resource server's settings, or `undefined` when no issuer is set. Scopes
 * without an issuer would be silently ignored, so they are refused instead.
 */
export function oauthSettingsOf(env: OAuthEnv): OAuthSettings | undefined {
  if (env.MCP_OAUTH_ISSUER === undefined) {
    const stray = (["MCP_OAUTH_SCOPES", "MCP_OAUTH_TOOL_SCOPES"] as const).find((name) => env[name] !== undefined);
    if (stray) throw new AuthSettingsError(`${stray}: has no effect without MCP_OAUTH_ISSUER (expected both, or neither)`);
    return undefined;
  }
  return { issuer: env.MCP_OAUTH_ISSUER, scopes: env.MCP_OAUTH_SCOPES ?? [], toolScopes: env.MCP_OAUTH_TOOL_SCOPES ?? {} };
}

/** A setting of the resource server that cannot work; its message names the variable. */
export class AuthSettingsError extends Error {
  override name = "AuthSettingsError";
}
