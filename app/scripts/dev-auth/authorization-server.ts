/**
 * A development authorization server, for signing in to the MCP server with
 * no cloud account. `oauth2-mock-server` does the OAuth work: discovery
 * (OpenID Connect), a JWKS of real keys, the authorization code grant with
 * PKCE (S256 checked at the token endpoint), refresh tokens. What the MCP flow
 * needs and it lacks is added around it:
 * - clients: Client ID Metadata Documents and dynamic registration (client-registry.ts),
 *   checked before the mock's `/authorize` runs; the mock itself accepts any client;
 * - RFC 8707: the access token's `aud` is the `resource` the client asked for;
 * - the grant: `sub`, `scope` and `client_id` of the authorization request
 *   (the mock signs every user in as "johndoe" with the token request's scope);
 * - RFC 9207: `iss` in the authorization response;
 * - refresh tokens only for `offline_access`, as Auth0 and Okta do.
 * It signs the user in without a page: `login_hint` names the user, else `defaultUser`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Events, OAuth2Issuer, OAuth2Service, type JWKStore } from "oauth2-mock-server";
import { ClientRefused, ClientRegistry, type ClientRegistryOptions } from "./client-registry.ts";

export interface DevAuthorizationServerOptions extends ClientRegistryOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** Who signs in when the authorization request has no `login_hint`. @default "dev-user" */
  defaultUser?: string;
  /** Algorithm of the signing key generated at start. @default "RS256" */
  algorithm?: string;
}

export interface DevAuthorizationServer {
  /** The issuer identifier, e.g. `http://127.0.0.1:8789`; set it as MCP_OAUTH_ISSUER. */
  issuer: string;
  /** The signing keys (private parts included): tests sign their own tokens with them. */
  keys: JWKStore;
  stop(): Promise<void>;
}

/** What one authorization request granted, carried from `/authorize` to the tokens. */
interface Grant {
  user: string;
  clientId: string;
  scope: string | undefined;
  resource: string | undefined;
}

const USER = /^[\w.@|:-]{1,128}$/;

export async function startDevAuthorizationServer(options: DevAuthorizationServerOptions = {}): Promise<DevAuthorizationServer> {
  const issuer = new OAuth2Issuer();
  await issuer.keys.generate(options.algorithm ?? "RS256");
  const service = new OAuth2Service(issuer);
  const clients = new ClientRegistry(options);
  const pending = new WeakMap<IncomingMessage, Grant>();
  const byCode = new Map<string, Grant>();
  const byRefreshToken = new Map<string, Grant>();

  service.on(Events.BeforeWellKnownOpenIdConfiguration, (metadata: { body: Record<string, unknown> }) => {
    Object.assign(metadata.body, {
      registration_endpoint: `${issuer.url}/register`,
      client_id_metadata_document_supported: clients.acceptsMetadataDocuments,
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: ["authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
    });
  });
  service.on(Events.BeforeAuthorizeRedirect, (redirect: { url: URL }, req: IncomingMessage) => {
    const code = redirect.url.searchParams.get("code");
    const grant = pending.get(req);
    if (code !== null && grant !== undefined) byCode.set(code, grant);
    redirect.url.searchParams.set("iss", issuer.url!);
  });
  service.on(Events.BeforeTokenSigning, (token: { payload: Record<string, unknown> }, req: { body: Record<string, unknown> }) => {
    const grant = grantOf(req.body);
    if (grant === undefined) return;
    token.payload.sub = grant.user;
    // The id token's transform already set `aud` (to the client); the access token's did not.
    if ("aud" in token.payload) return;
    const resource = typeof req.body.resource === "string" ? req.body.resource : grant.resource;
    Object.assign(token.payload, { scope: grant.scope ?? "", client_id: grant.clientId, ...(resource ? { aud: resource } : {}) });
  });
  service.on(Events.BeforeResponse, (response: { body: Record<string, unknown> }, req: { body: Record<string, unknown> }) => {
    const grant = grantOf(req.body);
    if (grant === undefined) return;
    if (typeof req.body.code === "string") byCode.delete(req.body.code);
    response.body.scope = grant.scope ?? "";
    const refreshToken = response.body.refresh_token;
    if (typeof refreshToken === "string" && (grant.scope ?? "").split(" ").includes("offline_access")) byRefreshToken.set(refreshToken, grant);
    else delete response.body.refresh_token;
  });

  function grantOf(body: Record<string, unknown>): Grant | undefined {
    if (body.grant_type === "authorization_code" && typeof body.code === "string") return byCode.get(body.code);
    if (body.grant_type === "refresh_token" && typeof body.refresh_token === "string") return byRefreshToken.get(body.refresh_token);
    return undefined;
  }

  async function authorize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;
    const clientId = query.get("client_id") ?? "";
    const redirectUri = query.get("redirect_uri") ?? "";
    const user = query.get("login_hint") ?? options.defaultUser ?? "dev-user";
    try {
      if (!USER.test(user)) throw new ClientRefused(`login_hint ${JSON.stringify(user)} is not a user name (letters, digits and . _ @ | : -)`);
      await clients.client(clientId, redirectUri);
      // OAuth 2.1 §4.1.1: PKCE with S256 for every authorization code; the mock would also take none or "plain".
      if (!query.get("code_challenge") || query.get("code_challenge_method") !== "S256") throw new ClientRefused("code_challenge with code_challenge_method=S256 is required (PKCE)");
    } catch (error) {
      if (!(error instanceof ClientRefused)) throw error;
      // RFC 6749 §4.1.2.1: with an unverified client or redirect URI, tell the user, never redirect.
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end(`${error.message}\n`);
      return;
    }
    pending.set(req, { user, clientId, scope: query.get("scope") ?? undefined, resource: query.get("resource") ?? undefined });
    service.requestHandler(req, res);
  }

  async function register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let metadata: unknown;
    try {
      metadata = JSON.parse(await readText(req));
    } catch {
      metadata = undefined;
    }
    const { status, body } = clients.register(metadata);
    res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" }).end(JSON.stringify(body));
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = req.method === "GET" && path === "/authorize" ? authorize : req.method === "POST" && path === "/register" ? register : undefined;
    if (route === undefined) return service.requestHandler(req, res);
    route(req, res).catch((error: unknown) => {
      console.error("[dev-auth]", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end("internal error\n");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  issuer.url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  return {
    issuer: issuer.url,
    keys: issuer.keys,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readText(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text;
}
