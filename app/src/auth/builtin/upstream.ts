/**
 * Signing the user in with the team's provider: the authorization URL the
 * consent page sends the browser to, and the code exchange at the callback.
 * The built-in server is an ordinary confidential client of the provider,
 * with PKCE (S256) on every provider that takes it.
 *
 * - GitHub: docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 *   (the token endpoint answers 200 with an `error` field, never a 4xx; the user is `GET /user`).
 * - Google and any OpenID Connect provider: OpenID Connect Core 1.0 §3.1. The ID token
 *   comes straight from the token endpoint over TLS, which §3.1.3.7 (6) accepts in place of
 *   checking its signature; its `iss`, `aud` and `exp` are still checked here.
 */
import type { UpstreamSettings } from "./settings.ts";

/** Who signed in: the provider's stable subject and the claims a stack may group or limit by (e.g. `org_id`). */
export interface UpstreamIdentity {
  subject: string;
  claims: Record<string, string>;
}

/** A sign-in the provider refused or could not complete; its message is shown to the user as it is. */
export class UpstreamSignInError extends Error {
  override name = "UpstreamSignInError";
}

interface Endpoints {
  authorization: string;
  token: string;
  /** Where the signed-in user is read: GitHub's API; OIDC providers answer with an ID token instead. */
  user?: string;
  issuer?: string;
  scope: string;
}

const GITHUB: Endpoints = {
  authorization: "https://github.com/login/oauth/authorize",
  token: "https://github.com/login/oauth/access_token",
  user: "https://api.github.com/user",
  // Only the public profile: the MCP server acts for the user at itself, never at GitHub.
  scope: "read:user",
};
const GOOGLE_ISSUER = "https://accounts.google.com";
const OIDC_SCOPE = "openid email profile";
/** Registered claims of an ID token: about the token, not the user. */
const TOKEN_CLAIMS = new Set(["iss", "aud", "azp", "exp", "iat", "nbf", "auth_time", "nonce", "at_hash", "c_hash", "sid", "jti"]);
const MAX_CLAIMS = 32;

export class Upstream {
  readonly #settings: UpstreamSettings;
  readonly #fetch: typeof fetch;
  #endpoints: Promise<Endpoints> | undefined;

  // Called bare, never as a method: workerd refuses a `fetch` called with another `this`.
  constructor(settings: UpstreamSettings, fetcher: typeof fetch = (input, init) => fetch(input, init)) {
    this.#settings = settings;
    this.#fetch = fetcher;
  }

  /** The provider's name as the sign-in page shows it. */
  get name(): string {
    const { provider, issuer } = this.#settings;
    return provider === "github" ? "GitHub" : provider === "google" ? "Google" : new URL(issuer!).host;
  }

  /** Where the browser goes to sign in; `loginHint` is passed on as the provider's own hint. */
  async authorizationUrl(options: { redirectUri: string; state: string; codeChallenge: string; loginHint?: string }): Promise<string> {
    const endpoints = await this.#resolve();
    const url = new URL(endpoints.authorization);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: this.#settings.clientId,
      redirect_uri: options.redirectUri,
      scope: endpoints.scope,
      state: options.state,
      code_challenge: options.codeChallenge,
      code_challenge_method: "S256",
    }).toString();
    if (options.loginHint) url.searchParams.set(this.#settings.provider === "github" ? "login" : "login_hint", options.loginHint);
    return url.href;
  }

  /** Exchanges the callback's code for the user, or throws an UpstreamSignInError saying what went wrong. */
  async identify(options: { code: string; redirectUri: string; codeVerifier: string }): Promise<UpstreamIdentity> {
    const endpoints = await this.#resolve();
    const body = new URLSearchParams({ grant_type: "authorization_code", code: options.code, redirect_uri: options.redirectUri, code_verifier: options.codeVerifier });
    const basic = btoa(`${encodeURIComponent(this.#settings.clientId)}:${encodeURIComponent(this.#settings.clientSecret)}`);
    const response = await this.#call(endpoints.token, { method: "POST", headers: { authorization: `Basic ${basic}`, accept: "application/json", "content-type": "application/x-www-form-urlencoded" }, body });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (typeof answer.error === "string" || !response.ok) throw new UpstreamSignInError(this.#refusal(String(answer.error ?? `HTTP ${response.status}`), answer.error_description));
    if (endpoints.user !== undefined) return this.#githubUser(endpoints.user, String(answer.access_token ?? ""));
    if (typeof answer.id_token !== "string") throw new UpstreamSignInError(`${this.name} answered without an ID token (expected one for the openid scope)`);
    return this.#idTokenUser(answer.id_token, endpoints.issuer!);
  }

  #refusal(error: string, description: unknown): string {
    const detail = typeof description === "string" && description ? `: ${description}` : "";
    if (["invalid_client", "incorrect_client_credentials", "unauthorized_client"].includes(error)) {
      return `${this.name} refused this server's client credentials (${error}${detail}). The server's auth.upstream.clientId or clientSecret does not match its OAuth app; tell the team that runs it.`;
    }
    if (["invalid_grant", "bad_verification_code"].includes(error)) return `${this.name} refused the sign-in code (${error}${detail}): it expired or was used already. Start the sign-in again.`;
    return `${this.name} could not complete the sign-in (${error}${detail}).`;
  }

  async #githubUser(userUrl: string, accessToken: string): Promise<UpstreamIdentity> {
    const response = await this.#call(userUrl, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/vnd.github+json", "user-agent": "mcp-hosting" } });
    if (!response.ok) throw new UpstreamSignInError(`${this.name} did not say who signed in (GET /user answered ${response.status})`);
    const user = (await response.json()) as { id?: unknown; login?: unknown; name?: unknown };
    if (typeof user.id !== "number" && typeof user.id !== "string") throw new UpstreamSignInError(`${this.name} did not say who signed in (no id in GET /user)`);
    // The numeric id, not the login: a login can be renamed and then taken by someone else.
    return { subject: String(user.id), claims: stringClaims({ login: user.login, name: user.name }) };
  }

  #idTokenUser(idToken: string, issuer: string): UpstreamIdentity {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(new TextDecoder().decode(base64UrlBytes(idToken.split(".")[1] ?? ""))) as Record<string, unknown>;
    } catch {
      throw new UpstreamSignInError(`${this.name} answered with an ID token that is not a JWT`);
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (payload.iss !== issuer) throw new UpstreamSignInError(`${this.name}'s ID token names another issuer (${String(payload.iss)}, expected ${issuer})`);
    if (!audiences.includes(this.#settings.clientId)) throw new UpstreamSignInError(`${this.name}'s ID token was issued to another client (expected ${this.#settings.clientId})`);
    if (typeof payload.exp !== "number" || payload.exp * 1000 < Date.now() - 60_000) throw new UpstreamSignInError(`${this.name}'s ID token has expired`);
    if (typeof payload.sub !== "string" || payload.sub === "") throw new UpstreamSignInError(`${this.name}'s ID token has no subject`);
    const claims = Object.fromEntries(Object.entries(payload).filter(([name]) => !TOKEN_CLAIMS.has(name) && name !== "sub"));
    return { subject: payload.sub, claims: stringClaims(claims) };
  }

  async #call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new UpstreamSignInError(`${this.name} could not be reached (${(error as Error).message}); try again in a moment`);
    }
  }

  /** The provider's endpoints: fixed for GitHub, discovered once per isolate for OpenID Connect providers. */
  #resolve(): Promise<Endpoints> {
    if (this.#settings.provider === "github") return Promise.resolve(GITHUB);
    const issuer = this.#settings.provider === "google" ? GOOGLE_ISSUER : this.#settings.issuer!;
    this.#endpoints ??= this.#discover(issuer).catch((error: unknown) => {
      // A failed discovery is not remembered: the next sign-in asks again.
      this.#endpoints = undefined;
      throw error;
    });
    return this.#endpoints;
  }

  async #discover(issuer: string): Promise<Endpoints> {
    const response = await this.#call(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, { headers: { accept: "application/json" } });
    const metadata = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof metadata.authorization_endpoint !== "string" || typeof metadata.token_endpoint !== "string") {
      throw new UpstreamSignInError(`${this.name}'s OpenID configuration could not be read (HTTP ${response.status})`);
    }
    return { authorization: metadata.authorization_endpoint, token: metadata.token_endpoint, issuer: typeof metadata.issuer === "string" ? metadata.issuer : issuer, scope: OIDC_SCOPE };
  }
}

/** The claims that are strings or numbers, as strings, at most MAX_CLAIMS of them and 256 characters each. */
function stringClaims(claims: Record<string, unknown>): Record<string, string> {
  const kept = Object.entries(claims).flatMap(([name, value]) => (typeof value === "string" || typeof value === "number" ? [[name, String(value).slice(0, 256)] as const] : []));
  return Object.fromEntries(kept.slice(0, MAX_CLAIMS));
}

function base64UrlBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}
