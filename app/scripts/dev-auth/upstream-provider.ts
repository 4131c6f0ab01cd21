/**
 * The sign-in provider of `npm run dev:edge -- --auth builtin`: an OpenID
 * Connect provider on loopback (`oauth2-mock-server`), standing where GitHub,
 * Google or a team's IdP stands in the cloud, so the built-in authorization
 * server signs users in with no account anywhere. Around the mock it adds
 * what a real provider does and the flow relies on:
 * - the client's credentials are checked at the token endpoint (the mock takes
 *   any), so a wrong secret fails as a real provider fails it: `invalid_client`;
 * - the user is whoever `login_hint` names (the mock signs everyone in as
 *   "johndoe"): `alice`, or `alice@acme`, whose `org_id` claim is `acme`;
 * - a code is good once (RFC 6749 §4.1.2; the mock would take it again).
 */
import type { IncomingMessage } from "node:http";
import { Events, OAuth2Server } from "oauth2-mock-server";

export interface DevUpstream {
  /** The OIDC issuer: `http://127.0.0.1:<port>`. */
  issuer: string;
  clientId: string;
  /** The secret this provider expects of the client. */
  clientSecret: string;
  stop(): Promise<void>;
}

const USER = /^[\w.|-]{1,64}(@[\w.-]{1,64})?$/;

export async function startDevUpstream(options: { clientId: string; clientSecret: string; port?: number }): Promise<DevUpstream> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  const users = new Map<string, string>();
  const redeemed = new Set<string>();

  server.service.on(Events.BeforeAuthorizeRedirect, (redirect: { url: URL }, req: IncomingMessage) => {
    const hint = new URL(req.url ?? "/", "http://localhost").searchParams.get("login_hint") ?? "dev-user";
    const code = redirect.url.searchParams.get("code");
    if (code !== null) users.set(code, USER.test(hint) ? hint : "dev-user");
  });
  server.service.on(Events.BeforeTokenSigning, (token: { payload: Record<string, unknown> }, req: { body: Record<string, unknown> }) => {
    const user = typeof req.body.code === "string" ? users.get(req.body.code) : undefined;
    if (user === undefined) return;
    const org = user.split("@")[1];
    Object.assign(token.payload, { sub: user, email: user.includes("@") ? user : `${user}@example.test`, ...(org ? { org_id: org } : {}) });
  });
  server.service.on(Events.BeforeResponse, (response: { body: unknown; statusCode: number }, req: IncomingMessage & { body: Record<string, unknown> }) => {
    const refusal = refuse(req, options, redeemed, users);
    if (refusal === undefined) return;
    response.statusCode = refusal.status;
    response.body = { error: refusal.error, error_description: refusal.description };
  });

  await server.start(options.port ?? 0, "127.0.0.1");
  const issuer = server.issuer.url!;
  return {
    issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    stop: () => server.stop(),
  };
}

/** What a real provider answers a token request this one must refuse: wrong client credentials, or a code used twice. */
function refuse(req: IncomingMessage & { body: Record<string, unknown> }, expected: { clientId: string; clientSecret: string }, redeemed: Set<string>, users: Map<string, string>) {
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const [id, secret] = basic
    ? Buffer.from(basic, "base64").toString().split(":").map(decodeURIComponent)
    : [String(req.body.client_id ?? ""), String(req.body.client_secret ?? "")];
  if (id !== expected.clientId || secret !== expected.clientSecret) {
    return { status: 401, error: "invalid_client", description: "Client authentication failed" };
  }
  const code = req.body.code;
  if (req.body.grant_type === "authorization_code" && typeof code === "string") {
    if (redeemed.has(code) || !users.has(code)) return { status: 400, error: "invalid_grant", description: "The authorization code is invalid or was already used" };
    redeemed.add(code);
  }
  return undefined;
}
