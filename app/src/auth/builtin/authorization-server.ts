/**
 * The built-in authorization server (stack `auth.mode: builtin`): the MCP
 * server's own OAuth 2.1 authorization server on the edge's origin, on
 * @cloudflare/workers-oauth-provider. The library serves the protocol
 * (metadata, tokens, revocation, dynamic registration, Client ID Metadata
 * Documents, PKCE, RFC 8707 audiences); this module owns what it leaves to
 * the application (docs/authorization-server.md, "Authorization endpoint"):
 * the consent page, the sign-in with the team's provider, and the subject.
 * Around the library it adds the rate limit of `/register`, the refusal of
 * non-public metadata URLs, and one-at-a-time refresh rotation.
 *
 * Every API version's Worker builds one: the first version's serves these
 * paths, every one validates its tokens against the same KV namespace.
 */
import {
  AuthorizationError,
  authorizationErrorRedirect,
  CimdFetchError,
  OAuthAuthorizationServer,
  type AuthRequest,
} from "@cloudflare/workers-oauth-provider";
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from "@modelcontextprotocol/server";
import type { ToolScopes } from "../tool-scopes.ts";
import { AUTH_SERVER_PATHS, CIMD_COMPATIBILITY_FLAG, encodeUserId, OAUTH_KV_BINDING } from "./contract.ts";
import { consentPage, signInErrorPage } from "./pages.ts";
import { nonPublicClientId } from "./public-client-id.ts";
import { refreshTokenUser } from "./refresh-serializer.ts";
import type { UpstreamSettings } from "./settings.ts";
import { Upstream, UpstreamSignInError } from "./upstream.ts";

/** What the library stores with a grant, encrypted; the resource side reads it back from each token. */
export interface GrantProps {
  sub: string;
  claims: Record<string, string>;
}

interface UpstreamData {
  verifier: string;
  loginHint?: string;
}

export interface BuiltinAuthOptions {
  /** The edge's origin, which is the issuer: `https://mcp.example.com`. */
  issuer: string;
  /** Each API version's canonical URI (RFC 8707): the audiences tokens are bound to. */
  resources: readonly string[];
  upstream: UpstreamSettings;
  scopes: ToolScopes;
  /** Scopes granted when a client asks for none: the resource's base scopes. */
  baseScopes: readonly string[];
  /** Dynamic registrations per minute from one address; 429 past it. */
  registrationsPerMinute: number;
  /** 0 when a registration from `address` is allowed now, else the seconds until one is. */
  takeRegistration: (address: string) => Promise<number>;
  /** Runs a refresh_token request for `user` in the user's one-at-a-time line (refresh-serializer.ts). */
  serializeRefresh: (user: string, request: Request) => Promise<Response>;
  /** The provider's fetch; tests give their own. */
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

/** The env the library needs: its KV namespace (a Workers `KVNamespace`; typed loosely so Node can type-check this module too). */
export type OAuthEnv = { [OAUTH_KV_BINDING]: object };
/** The Worker's (or object's) execution context, as the library takes it. */
type ExecutionContextLike = Parameters<OAuthAuthorizationServer<OAuthEnv>["fetch"]>[2];

/** How long a dynamically registered client lives unused (the library renews one that keeps refreshing). */
const REGISTRATION_TTL_SECONDS = 90 * 24 * 3600;

export class BuiltinAuthorizationServer {
  readonly #options: BuiltinAuthOptions;
  readonly #server: OAuthAuthorizationServer<OAuthEnv>;
  readonly #upstream: Upstream;

  constructor(options: BuiltinAuthOptions) {
    this.#options = options;
    this.#upstream = new Upstream(options.upstream, options.fetch);
    this.#server = new OAuthAuthorizationServer<OAuthEnv>({
      issuer: options.issuer,
      resources: options.resources,
      scopesSupported: [...new Set([...options.scopes.supported, "offline_access"])],
      clientRegistrationEndpoint: "/register",
      clientRegistrationTTL: REGISTRATION_TTL_SECONDS,
      // The library refuses CIMD without the flag, whose network rule is what keeps its fetches public.
      clientIdMetadataDocumentEnabled: hasCompatibilityFlag(CIMD_COMPATIBILITY_FLAG),
      onError: ({ code, description, internal }) => options.log?.(`[auth] ${code}: ${description}${internal ? ` (${internal.reason})` : ""}`),
    });
  }

  /** Whether this server answers `request` (its paths on the issuer's origin). */
  serves(request: Request): boolean {
    const { pathname } = new URL(request.url);
    return AUTH_SERVER_PATHS.some((path) => (path.endsWith("/") ? pathname.startsWith(path) : pathname === path || pathname.startsWith(`${path}/`)));
  }

  async fetch(request: Request, env: OAuthEnv, ctx: ExecutionContextLike): Promise<Response> {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === "/authorize" && request.method === "GET") return await this.#authorize(request, env);
      if (pathname === "/authorize" && request.method === "POST") return await this.#decide(request, env);
      if (pathname === "/callback" && request.method === "GET") return await this.#callback(request, env);
      if (pathname === "/register" && request.method === "POST") {
        const limited = await this.#limitRegistration(request);
        if (limited) return limited;
      }
      if (pathname === "/oauth/token" && request.method === "POST") {
        const refused = await this.#refuseNonPublicClient(request);
        if (refused) return refused;
        const user = await refreshingUser(request);
        if (user !== undefined) return await this.#options.serializeRefresh(user, request);
      }
      return await this.#server.fetch(request, env, ctx);
    } catch (error) {
      if (error instanceof AuthorizationError) {
        if (error.redirectTo) return Response.redirect(error.redirectTo, 302);
        return signInErrorPage(400, `${error.description} Start the sign-in again from the app.`);
      }
      if (error instanceof CimdFetchError) return signInErrorPage(400, "This app could not be verified: its Client ID Metadata Document could not be fetched or is not valid.");
      if (error instanceof UpstreamSignInError) {
        this.#options.log?.(`[auth] sign-in failed: ${error.message}`);
        return signInErrorPage(502, error.message);
      }
      throw error;
    }
  }

  /** A refresh_token request, run by the user's object: the library's token endpoint, behind the serializer. */
  rotate(request: Request, env: OAuthEnv, ctx: ExecutionContextLike): Promise<Response> {
    return this.#server.fetch(request, env, ctx);
  }

  /** Verifies this server's access tokens for one API version's endpoint, as the library documents (`validateToken`). */
  verifierFor(env: OAuthEnv, resource: URL, tenantClaim?: string): OAuthTokenVerifier {
    return {
      verifyAccessToken: async (token: string): Promise<AuthInfo> => {
        const valid = await this.#server.validateToken<GrantProps>(resource.href, token, env);
        if (valid === null) throw new OAuthError(OAuthErrorCode.InvalidToken, `The access token is invalid, expired or revoked, or was not issued for this resource (expected audience ${resource.href})`);
        return {
          token: "",
          clientId: valid.clientId,
          scopes: valid.scope,
          expiresAt: valid.expiresAt,
          resource,
          // The quotas' tenant: the claim the provider's sign-in carried (e.g. `org_id`), kept in the grant's props.
          extra: { sub: valid.props.sub, clientId: valid.clientId, ...(tenantClaim && valid.props.claims[tenantClaim] ? { tenant: valid.props.claims[tenantClaim] } : {}) },
        };
      },
    };
  }

  /** The library's helpers, for the operator's commands (revoking a user's grants). */
  helpers(env: OAuthEnv) {
    return this.#server.getOAuthApi(env);
  }

  /** GET /authorize: check the client and the request, then ask for consent. */
  async #authorize(request: Request, env: OAuthEnv): Promise<Response> {
    const url = new URL(request.url);
    const nonPublic = nonPublicClientId(url.searchParams.get("client_id") ?? "");
    if (nonPublic) return signInErrorPage(400, nonPublic);
    const oauth = this.#server.getOAuthApi(env);
    const authRequest = await oauth.parseAuthRequest(request);
    const granted = this.#granted(authRequest);
    const details = await oauth.describeConsent(granted);
    const consent = await oauth.beginConsent(granted);
    consent.headers.set("content-type", "text/html; charset=utf-8");
    const loginHint = url.searchParams.get("login_hint") ?? undefined;
    const page = consentPage({ details, handle: consent.handle, provider: this.#upstream.name, toolsOf: (scope) => this.#options.scopes.toolsNeeding(scope), ...(loginHint ? { loginHint } : {}) });
    return new Response(page, { headers: consent.headers });
  }

  /** POST /authorize: the user's decision. Only after Allow does the browser go to the provider (the confused-deputy rule). */
  async #decide(request: Request, env: OAuthEnv): Promise<Response> {
    const form = await request.formData();
    const handle = String(form.get("handle") ?? "");
    const oauth = this.#server.getOAuthApi(env);
    if (form.get("decision") !== "approve") {
      const denied = await oauth.denyConsent(request, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }
    const approved = await oauth.approveConsent(request, handle, { scope: form.getAll("scope").map(String) });
    const verifier = randomToken();
    const loginHint = form.get("login_hint");
    const data: UpstreamData = { verifier, ...(typeof loginHint === "string" && loginHint ? { loginHint } : {}) };
    const upstream = await oauth.beginUpstream(approved.request, { data, headers: approved.headers });
    const location = await this.#upstream.authorizationUrl({
      redirectUri: this.#callbackUrl(),
      state: upstream.state,
      codeChallenge: await s256(verifier),
      ...(data.loginHint ? { loginHint: data.loginHint } : {}),
    });
    upstream.headers.set("location", location);
    return new Response(null, { status: 302, headers: upstream.headers });
  }

  /** GET /callback: the provider sent the user back; who they are decides the grant's subject. */
  async #callback(request: Request, env: OAuthEnv): Promise<Response> {
    const oauth = this.#server.getOAuthApi(env);
    const { request: original, data, headers } = await oauth.finishUpstream<UpstreamData>(request);
    const params = new URL(request.url).searchParams;
    if (params.has("error")) {
      headers.set("location", authorizationErrorRedirect(original, "access_denied"));
      return new Response(null, { status: 302, headers });
    }
    let identity;
    try {
      identity = await this.#upstream.identify({ code: params.get("code") ?? "", redirectUri: this.#callbackUrl(), codeVerifier: data.verifier });
    } catch (error) {
      if (error instanceof UpstreamSignInError) {
        this.#options.log?.(`[auth] sign-in failed: ${error.message}`);
        return signInErrorPage(502, error.message, headers);
      }
      throw error;
    }
    const props: GrantProps = { sub: identity.subject, claims: identity.claims };
    const { redirectTo } = await oauth.completeAuthorization({
      request: original,
      userId: encodeUserId(identity.subject),
      metadata: { provider: this.#options.upstream.provider },
      scope: original.scope,
      props,
    });
    headers.set("location", redirectTo);
    return new Response(null, { status: 302, headers });
  }

  /** A client that asks for no scope gets the resource's base scopes, as its 401 challenge named them. */
  #granted(authRequest: AuthRequest): AuthRequest {
    return authRequest.scope.length > 0 ? authRequest : { ...authRequest, scope: [...this.#options.baseScopes] };
  }

  async #limitRegistration(request: Request): Promise<Response | undefined> {
    // Before a client exists there is no principal: the address is the only key there is.
    const address = request.headers.get("cf-connecting-ip") ?? "local";
    const retryAfter = await this.#options.takeRegistration(address);
    if (retryAfter === 0) return undefined;
    const limit = this.#options.registrationsPerMinute;
    return Response.json(
      { error: "too_many_requests", error_description: `At most ${limit} client registrations per minute from one address; retry in ${retryAfter} s` },
      { status: 429, headers: { "retry-after": String(retryAfter), "cache-control": "no-store" } },
    );
  }

  async #refuseNonPublicClient(request: Request): Promise<Response | undefined> {
    const form = await request.clone().formData().catch(() => undefined);
    const nonPublic = nonPublicClientId(String(form?.get("client_id") ?? ""));
    if (!nonPublic) return undefined;
    return Response.json({ error: "invalid_client", error_description: nonPublic }, { status: 401, headers: { "cache-control": "no-store" } });
  }

  #callbackUrl(): string {
    return new URL("/callback", this.#options.issuer).href;
  }
}

/** The user of a refresh_token grant request, whose rotations run one at a time; `undefined` for any other request. */
async function refreshingUser(request: Request): Promise<string | undefined> {
  const form = await request.clone().formData().catch(() => undefined);
  if (form?.get("grant_type") !== "refresh_token") return undefined;
  return refreshTokenUser(String(form.get("refresh_token") ?? ""));
}


function hasCompatibilityFlag(flag: string): boolean {
  const flags = (globalThis as { Cloudflare?: { compatibilityFlags?: Record<string, boolean> } }).Cloudflare?.compatibilityFlags;
  return flags?.[flag] === true;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
