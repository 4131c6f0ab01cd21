/**
 * What a runtime is told to take OAuth access tokens: the variables
 * app/src/auth/settings.ts reads, the same for Worker bindings and Fly env.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface OAuthArgs {
  /**
   * The authorization server's issuer identifier, exactly as in its tokens' `iss`.
   * @example "https://acme.us.auth0.com/"
   */
  issuer: string;
  /**
   * Scopes every request needs.
   * @default []
   * @example ["mcp"]
   */
  scopes?: string[];
  /**
   * Per tool, the scopes its calls need, replacing those of its definition.
   * @default {}
   * @example { kb_put: ["kb:write"] }
   */
  toolScopes?: Record<string, string[]>;
}

/** `MCP_OAUTH_*`, and `MCP_PUBLIC_URL`: the origin the canonical URI of each endpoint is made from. */
export function oauthVariables(auth: OAuthArgs, publicUrl: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
  const toolScopes = auth.toolScopes ?? {};
  return {
    MCP_OAUTH_ISSUER: auth.issuer,
    ...(auth.scopes?.length ? { MCP_OAUTH_SCOPES: auth.scopes.join(" ") } : {}),
    ...(Object.keys(toolScopes).length > 0 ? { MCP_OAUTH_TOOL_SCOPES: JSON.stringify(toolScopes) } : {}),
    MCP_PUBLIC_URL: publicUrl,
  };
}
