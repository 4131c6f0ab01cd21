import type { AuthInfo } from "@modelcontextprotocol/server";

/** Who a request acts for, once the HTTP rules and the token check admitted it. */
export interface Caller {
  /**
   * Whose state the request reads and writes: the access token's `sub`, a
   * static token's subject, or the local default principal.
   */
  principal: string;
  /**
   * The value of the quotas' tenant claim (`tenantClaim`, e.g. `org_id`) in
   * the access token, when the token has it: the key of the caller's quota.
   */
  tenant?: string;
  /** Set when an OAuth access token admitted the request; only then do tool scopes apply. */
  grant?: OAuthGrant;
}

/** What a verified access token granted. */
export interface OAuthGrant {
  scopes: readonly string[];
  /** Where this endpoint's Protected Resource Metadata is, for the scope challenges that follow. */
  resourceMetadataUrl: string;
  /** The OAuth client the token was issued to (`client_id` or `azp`), when the token says. */
  clientId?: string;
}

/**
 * The SDK's view of a caller, handed to its transports: they pass it to the
 * tool handlers (`ctx.http.authInfo`) and to the per-tool scope challenges.
 * The raw token is never carried along.
 */
export function authInfoOf(caller: Caller): AuthInfo {
  const { principal, grant } = caller;
  if (grant === undefined) return { token: "", clientId: principal, scopes: [], extra: { principal } };
  return {
    token: "",
    clientId: grant.clientId ?? principal,
    scopes: [...grant.scopes],
    resourceMetadataUrl: grant.resourceMetadataUrl,
    extra: { principal, oauth: true },
  };
}

/** The principal a call acts for, or `undefined` when the request carried no auth info. */
export function principalOf(authInfo: AuthInfo | undefined): string | undefined {
  const principal = authInfo?.extra?.principal;
  return typeof principal === "string" ? principal : undefined;
}

/** Whether an OAuth access token admitted this request (static tokens and local use carry no scopes). */
export function isOAuthGrant(authInfo: AuthInfo | undefined): boolean {
  return authInfo?.extra?.oauth === true;
}
