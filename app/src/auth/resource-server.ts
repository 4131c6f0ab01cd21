/**
 * The MCP server as an OAuth 2.1 resource server (MCP spec, `basic/authorization`,
 * 2025-11-25 and 2026-07-28), the same on every runtime. The SDK's helpers do
 * the HTTP part: parsing `Authorization`, comparing the token's resource,
 * requiring the base scopes, the `WWW-Authenticate` challenges, the RFC 9728
 * document. Left to this code: verifying the JWT (access-token.ts, with jose),
 * the audience (the SDK compares only what the verifier reports), `nbf` and
 * clock skew, the algorithm allowlist, the principal, refusing tokens in the
 * query string, static tokens beside OAuth, and failing closed with a 503 when
 * the issuer cannot be asked.
 */
import {
  bearerAuthChallengeResponse,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  oauthMetadataResponse,
  verifyBearerToken,
  type OAuthMetadata,
  type OAuthTokenVerifier,
} from "@modelcontextprotocol/server";
import { JsonRpcCode, jsonRpcErrorResponse } from "../server/json-rpc-error.ts";
import { authenticate as staticPrincipal } from "../server/http-policy.ts";
import type { ToolDefinition } from "../tools/define.ts";
import { accessTokenVerifier } from "./access-token.ts";
import type { Caller } from "./caller.ts";
import { IssuerKeys, IssuerUnavailable } from "./issuer-keys.ts";
import type { OAuthSettings } from "./settings.ts";
import { ToolScopes } from "./tool-scopes.ts";

export interface ResourceServerOptions {
  settings: OAuthSettings;
  /** How a token for one endpoint is verified: a JWT against the issuer's keys, or the built-in server's records. */
  verifierFor: (resource: URL) => OAuthTokenVerifier;
  /** `scopes_supported`: the base scopes and every tool's (ToolScopes.supported). */
  scopesSupported: readonly string[];
  /** Static bearer tokens, still accepted beside OAuth (machine clients, the deploy pipeline's `verify`). */
  staticTokens: ReadonlyMap<string, string>;
  /** Where a failure to reach the issuer is logged; the client gets a 503. */
  log?: (message: string) => void;
}

const PRM_PATH = "/.well-known/oauth-protected-resource";
/** Seconds a client is asked to wait after a 503: the time discovery failures are remembered. */
const RETRY_AFTER_SECONDS = 5;

export class ResourceServer {
  readonly #options: ResourceServerOptions;

  constructor(options: ResourceServerOptions) {
    this.#options = options;
  }

  /** The canonical URI (RFC 8707) of one API version's endpoint at `origin`: `<origin>/<apiVersion>/mcp`. */
  static resourceOf(origin: URL, apiVersion: string): URL {
    return new URL(`/${apiVersion}/mcp`, origin);
  }

  /** Admits a request to the endpoint whose canonical URI is `resource`, or answers why not. */
  async authenticate(request: Request, resource: URL): Promise<Caller | Response> {
    const { settings, staticTokens } = this.#options;
    const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(resource);
    const challenge = { requiredScopes: [...settings.scopes], resourceMetadataUrl };
    // OAuth 2.1 §5.1 and both MCP revisions ("Token Requirements"): never in the URI, where logs and proxies keep it.
    if (new URL(request.url).searchParams.has("access_token")) {
      const error = new OAuthError(OAuthErrorCode.InvalidRequest, "Access tokens are accepted only in the Authorization header, never in the query string");
      return bearerAuthChallengeResponse(error, challenge);
    }
    const header = request.headers.get("authorization");
    if (staticTokens.size > 0) {
      const principal = staticPrincipal(header, staticTokens);
      if (principal !== undefined) return { principal };
    }
    try {
      const verifier = this.#options.verifierFor(resource);
      const authInfo = await verifyBearerToken(header, { verifier, expectedResource: resource, ...challenge });
      const grant = { scopes: authInfo.scopes, resourceMetadataUrl, ...(authInfo.extra?.clientId ? { clientId: String(authInfo.extra.clientId) } : {}) };
      const tenant = typeof authInfo.extra?.tenant === "string" ? { tenant: authInfo.extra.tenant } : {};
      return { principal: String(authInfo.extra?.sub), ...tenant, grant };
    } catch (error) {
      if (!(error instanceof IssuerUnavailable)) return bearerAuthChallengeResponse(error, challenge);
      this.#options.log?.(`cannot verify access tokens from ${settings.issuer}: ${error.message}`);
      return jsonRpcErrorResponse(
        503,
        JsonRpcCode.internalError,
        `Service Unavailable: access tokens cannot be checked right now (${error.message}); no request is admitted until they can`,
        { headers: { "retry-after": String(RETRY_AFTER_SECONDS) } },
      );
    }
  }

  /**
   * The Protected Resource Metadata (RFC 9728) of a `/.well-known/oauth-protected-resource…`
   * request, or `undefined` for any other path. Each API version has its own
   * document at the path-inserted URL (RFC 9728 §3.1); the root form, which the
   * MCP spec lets clients fall back to, describes the first API version.
   */
  metadataResponse(request: Request, origin: URL, apiVersions: readonly string[]): Response | undefined {
    const path = new URL(request.url).pathname.replace(/\/$/, "");
    if (!path.startsWith(PRM_PATH)) return undefined;
    const apiVersion = path === PRM_PATH ? apiVersions[0] : /^\/\.well-known\/oauth-protected-resource\/(v\d+)\/mcp$/.exec(path)?.[1];
    if (apiVersion === undefined || !apiVersions.includes(apiVersion)) return undefined;
    const resource = ResourceServer.resourceOf(origin, apiVersion);
    const { settings, scopesSupported } = this.#options;
    // The SDK answers for the path-inserted URL of `resource` (with CORS, HEAD, 405); the root form is asked as that URL.
    const asked = new Request(getOAuthProtectedResourceMetadataUrl(resource), { method: request.method, headers: request.headers });
    return oauthMetadataResponse(asked, {
      // Only `issuer` is read on the protected-resource path (typescript-sdk packages/server/src/server/middleware/oauthMetadata.ts).
      oauthMetadata: { issuer: settings.issuer } as OAuthMetadata,
      resourceServerUrl: resource,
      scopesSupported: [...scopesSupported],
      resourceName: `mcp-hosting ${apiVersion}`,
    });
  }
}

/**
 * What a runtime needs to take OAuth tokens, built once per process (or
 * isolate) so the issuer's keys are cached across requests: the resource
 * server for its endpoints, and the tool scopes for its MCP servers.
 */
export function createResourceServer(options: {
  settings: OAuthSettings;
  tools: readonly ToolDefinition[];
  staticTokens: ReadonlyMap<string, string>;
  log?: (message: string) => void;
  /** The quotas' tenant claim (MCP_QUOTAS tenantClaim): its value in a token groups subjects. */
  tenantClaim?: string;
  /** The built-in authorization server's verifier (it reads the tenant claim itself); JWTs from `settings.issuer` otherwise. */
  verifierFor?: (resource: URL) => OAuthTokenVerifier;
}): { resourceServer: ResourceServer; scopes: ToolScopes } {
  const { settings, tools, staticTokens, log, tenantClaim } = options;
  const scopes = new ToolScopes(tools, settings);
  const verifierFor = options.verifierFor ?? jwtVerifiers(new IssuerKeys(settings.issuer), tenantClaim);
  const resourceServer = new ResourceServer({ settings, verifierFor, scopesSupported: scopes.supported, staticTokens, ...(log ? { log } : {}) });
  return { resourceServer, scopes };
}

/** JWT access tokens checked against the issuer's published keys (access-token.ts), one cache of keys for every endpoint. */
function jwtVerifiers(keys: IssuerKeys, tenantClaim: string | undefined): (resource: URL) => OAuthTokenVerifier {
  return (resource) => accessTokenVerifier(keys, resource, tenantClaim);
}
