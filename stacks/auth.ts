/**
 * The stack's `auth` block, in one of two modes.
 *
 * `issuer` (the default): the team's identity provider, whose access tokens
 * the Worker and the Fly machines accept (MCP spec, `basic/authorization`).
 * Nothing in it is secret: a resource server holds no client credentials.
 *
 *   mcp-hosting:auth:
 *     issuer: https://acme.us.auth0.com/
 *     scopes: [mcp]
 *     toolScopes:
 *       kb_put: [kb:write]
 *
 * `builtin`: the edge is its own authorization server
 * (@cloudflare/workers-oauth-provider, app/src/auth/builtin/contract.ts), its
 * issuer the edge's origin, signing users in through an upstream provider.
 * The upstream client secret is a Pulumi secret nested in the block:
 * `pulumi config set --secret --path auth.upstream.clientSecret <value>`.
 *
 *   mcp-hosting:auth:
 *     mode: builtin
 *     upstream:
 *       provider: github
 *       clientId: Iv1.0123456789abcdef
 *       clientSecret:
 *         secure: AAABA…
 */
import * as pulumi from "@pulumi/pulumi";
import * as z from "zod";
import { UPSTREAM_PROVIDERS } from "../app/src/auth/builtin/contract.ts";
import { SCOPE_TOKEN } from "../app/src/auth/settings.ts";
import { httpsUrl, show, strict } from "./rules.ts";

export const AUTH_MODES = ["issuer", "builtin"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** Where in the stack config the upstream client secret sits: the one secret nested inside a settings block. */
export const UPSTREAM_SECRET_PATH = ["auth", "upstream", "clientSecret"] as const;
const SET_UPSTREAM_SECRET = `pulumi config set --secret --path ${UPSTREAM_SECRET_PATH.join(".")} <value>`;

const scope = z
  .string()
  .regex(SCOPE_TOKEN, { error: (iss) => `${show(iss.input)} is not an OAuth scope (expected printable ASCII without space, " or \\)` })
  // MCP 2026-07-28, "Refresh Tokens": a resource SHOULD NOT ask for it; clients add it themselves.
  .refine((value) => value !== "offline_access", { error: "offline_access is for clients to ask the authorization server, not a scope of this resource" });

// A deployed stack's issuer is on the internet: https only (OAuth 2.1 §1.5), no query or fragment (RFC 8414 §2).
const issuer = httpsUrl((value) => `${show(value)} is not an issuer URL (expected https://…, no query or fragment, exactly as in the tokens' iss)`);
// OpenID Connect Discovery 1.0 §2: the issuer is an https URL without query or fragment; its metadata is under it.
const oidcIssuer = httpsUrl((value) => `${show(value)} is not an OpenID Connect issuer URL (expected https://…, no query or fragment, whose /.well-known/openid-configuration names it)`);

const toolName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: (iss) => `${show(iss.input)} is not a tool name (expected snake_case, e.g. kb_put)` });

/** The upstream client secret: a secret Output, never text written in the stack file. */
const clientSecret = z.custom<pulumi.Output<string>>((value) => pulumi.Output.isInstance(value), {
  error: (iss) =>
    iss.input === undefined
      ? `secret is missing (set it with: ${SET_UPSTREAM_SECRET})`
      : `is stored in plain text (expected a secure: value; run ${SET_UPSTREAM_SECRET})`,
});

const upstreamSchema = strict({
  /** Who signs users in: GitHub, Google, or any OpenID Connect provider at `issuer`. */
  provider: z.enum(UPSTREAM_PROVIDERS, { error: (iss) => `${show(iss.input)} is not an upstream provider (expected one of ${UPSTREAM_PROVIDERS.join(", ")})` }),
  /** The OAuth client this stack registered with the provider. */
  clientId: z.string({ error: (iss) => (iss.input === undefined ? undefined : `expected the provider's client id as text, got ${show(iss.input)}`) }).min(1, { error: "is empty (expected the client id the provider issued)" }),
  clientSecret,
  /** The provider's issuer, for `oidc` only (GitHub and Google are known). */
  issuer: oidcIssuer.optional(),
}).superRefine((upstream, ctx) => {
  if (upstream.provider === "oidc" && upstream.issuer === undefined) {
    ctx.addIssue({ code: "custom", path: ["issuer"], message: "is required for provider oidc (expected the provider's https:// issuer URL)" });
  }
  if (upstream.provider !== "oidc" && upstream.issuer !== undefined) {
    ctx.addIssue({ code: "custom", path: ["issuer"], message: `is for provider oidc only (${upstream.provider}'s issuer is known; expected no issuer)` });
  }
});

export type UpstreamConfig = z.output<typeof upstreamSchema>;

const authBlockShape = strict({
  /** `issuer`: tokens from the team's own authorization server; `builtin`: the edge issues them. */
  mode: z.enum(AUTH_MODES, { error: (iss) => `${show(iss.input)} is not an auth mode (expected ${AUTH_MODES.join(" or ")})` }).default("issuer"),
  /** The authorization server's issuer identifier, exactly as its tokens' `iss` (a trailing slash counts). Issuer mode only. */
  issuer: issuer.optional(),
  /** The provider users sign in with. Builtin mode only. */
  upstream: upstreamSchema.optional(),
  /** Scopes every request needs; advertised with the tools' scopes in the metadata. */
  scopes: z.array(scope).default([]),
  /** Per tool, the scopes its calls need, replacing those of its definition. */
  toolScopes: z.record(toolName, z.array(scope).min(1, { error: "must list at least one scope (leave the tool out to keep its own)" })).default({}),
});

export const authBlockSchema = authBlockShape
  .superRefine((auth, ctx) => {
    const issue = (key: string, message: string) => ctx.addIssue({ code: "custom", path: [key], message });
    if (auth.mode === "issuer") {
      if (auth.issuer === undefined) issue("issuer", "is required (expected https://…, exactly as in the tokens' iss; or mode: builtin for the edge's own authorization server)");
      if (auth.upstream !== undefined) issue("upstream", "is for mode: builtin (expected no upstream beside an outside issuer, or mode: builtin)");
    } else {
      if (auth.issuer !== undefined) issue("issuer", "is the edge's own origin in mode builtin (expected no issuer: tokens are issued at https://<domain>)");
      if (auth.upstream === undefined) issue("upstream", "is required in mode builtin (expected provider, clientId and clientSecret of the provider users sign in with)");
    }
  })
  .transform(({ mode, issuer: outside, upstream, scopes, toolScopes }): AuthConfig =>
    mode === "builtin" ? { mode, upstream: upstream!, scopes, toolScopes } : { mode, issuer: outside!, scopes, toolScopes },
  );

interface AuthScopes {
  scopes: string[];
  toolScopes: Record<string, string[]>;
}
/** Tokens from the team's own authorization server. */
export type IssuerAuthConfig = AuthScopes & { mode: "issuer"; issuer: string };
/** The edge's own authorization server. */
export type BuiltinAuthConfig = AuthScopes & { mode: "builtin"; upstream: UpstreamConfig };
export type AuthConfig = IssuerAuthConfig | BuiltinAuthConfig;

/** Lines naming the `toolScopes` entries a release has no tool for; a misspelt name would leave its tool unscoped. */
export function unknownToolScopes(auth: AuthConfig, release: string, toolNames: readonly string[]): string[] {
  return Object.keys(auth.toolScopes)
    .filter((name) => !toolNames.includes(name))
    .map((name) => `auth.toolScopes.${name}: release ${release} has no tool named ${name} (expected one of ${toolNames.join(", ")})`);
}
