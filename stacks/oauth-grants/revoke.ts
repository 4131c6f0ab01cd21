/**
 * Revoking a user's grants on the built-in authorization server, with the
 * library's own helpers (`listUserGrants`, `revokeGrant`), so what is removed is
 * exactly what the library wrote: each grant and every token issued under it.
 * A token of a revoked grant fails `validateToken` at once, on every Worker.
 */
import { encodeUserId } from "../../app/src/auth/builtin/contract.ts";
import { loadOAuthLibrary } from "./library.ts";
import type { KvNamespaceOverRest } from "./kv-rest.ts";

export interface RevokeRequest {
  /** The store: the stack's KV namespace. */
  kv: KvNamespaceOverRest;
  /** The authorization server's issuer, the edge's origin. @example "https://mcp.example.com" */
  issuer: string;
  /** Every resource it issues tokens for. @example ["https://mcp.example.com/v1/mcp"] */
  resources: string[];
  /** The upstream provider's subject the grants were made for, as the sign-in recorded it (`sub`, or GitHub's numeric user id). */
  subject: string;
  /** Only this client's grants. @default every client's */
  client?: string;
  /** Each grant as it is revoked, so a failure part way still says what was done. */
  onRevoked?: (grant: RevokedGrant) => void;
}

/** What is said about a revoked grant: never a token, never the grant's props. */
export interface RevokedGrant {
  clientId: string;
  scope: string[];
  /** Unix seconds. */
  createdAt: number;
}

/** Revokes the subject's grants (of one client, if given); the ones revoked, in the order listed. */
export async function revokeGrants(request: RevokeRequest): Promise<RevokedGrant[]> {
  const { OAuthAuthorizationServer } = await loadOAuthLibrary();
  const server = new OAuthAuthorizationServer({ issuer: request.issuer, resources: request.resources });
  const api = server.getOAuthApi({ OAUTH_KV: request.kv } as never);
  // Stored as the sign-in stored it: the subject with its `:` escaped.
  const userId = encodeUserId(request.subject);
  // Listed in full first: revoking while paging would move the cursor under the listing.
  const grants = [];
  let cursor: string | undefined;
  do {
    const page = await api.listUserGrants(userId, cursor === undefined ? {} : { cursor });
    grants.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  const revoked: RevokedGrant[] = [];
  for (const grant of grants.filter((g) => request.client === undefined || g.clientId === request.client)) {
    await api.revokeGrant(grant.id, userId);
    const entry = { clientId: grant.clientId, scope: grant.scope, createdAt: grant.createdAt };
    revoked.push(entry);
    request.onRevoked?.(entry);
  }
  return revoked;
}
