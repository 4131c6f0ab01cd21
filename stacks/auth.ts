/**
 * The stack's `auth` block: the team's identity provider, whose access tokens
 * the Worker and the Fly machines accept (MCP spec, `basic/authorization`).
 * Nothing in it is secret: a resource server holds no client credentials.
 *
 *   mcp-hosting:auth:
 *     issuer: https://acme.us.auth0.com/
 *     scopes: [mcp]
 *     toolScopes:
 *       kb_put: [kb:write]
 */
import * as z from "zod";
import { SCOPE_TOKEN } from "../app/src/auth/settings.ts";
import { httpsUrl, show, strict } from "./rules.ts";

const scope = z
  .string()
  .regex(SCOPE_TOKEN, { error: (iss) => `${show(iss.input)} is not an OAuth scope (expected printable ASCII without space, " or \\)` })
  // MCP 2026-07-28, "Refresh Tokens": a resource SHOULD NOT ask for it; clients add it themselves.
  .refine((value) => value !== "offline_access", { error: "offline_access is for clients to ask the authorization server, not a scope of this resource" });

// A deployed stack's issuer is on the internet: https only (OAuth 2.1 §1.5), no query or fragment (RFC 8414 §2).
const issuer = httpsUrl((value) => `${show(value)} is not an issuer URL (expected https://…, no query or fragment, exactly as in the tokens' iss)`);

const toolName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: (iss) => `${show(iss.input)} is not a tool name (expected snake_case, e.g. kb_put)` });

export const authBlockSchema = strict({
  /** The authorization server's issuer identifier, exactly as its tokens' `iss` (a trailing slash counts). */
  issuer,
  /** Scopes every request needs; advertised with the tools' scopes in the metadata. */
  scopes: z.array(scope).default([]),
  /** Per tool, the scopes its calls need, replacing those of its definition. */
  toolScopes: z.record(toolName, z.array(scope).min(1, { error: "must list at least one scope (leave the tool out to keep its own)" })).default({}),
});

export type AuthConfig = z.output<typeof authBlockSchema>;

/** Lines naming the `toolScopes` entries a release has no tool for; a misspelt name would leave its tool unscoped. */
export function unknownToolScopes(auth: AuthConfig, release: string, toolNames: readonly string[]): string[] {
  return Object.keys(auth.toolScopes)
    .filter((name) => !toolNames.includes(name))
    .map((name) => `auth.toolScopes.${name}: release ${release} has no tool named ${name} (expected one of ${toolNames.join(", ")})`);
}
