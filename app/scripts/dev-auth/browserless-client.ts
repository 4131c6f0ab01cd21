/**
 * An OAuth client provider for the official MCP SDK clients (v1 and v2) that
 * needs no browser: where a desktop client would open the authorization URL,
 * this one requests it and follows it as a browser would, keeping cookies,
 * until the redirect back to the client. The development authorization
 * server signs the user named by `login_hint` in without a page; the
 * built-in one (`dev:edge -- --auth builtin`) shows its consent page, which
 * this client answers (Allow, with the scopes as ticked, unless told to deny),
 * then sends the browser to its sign-in provider and back.
 */
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from "@modelcontextprotocol/client";

export interface BrowserlessClientOptions {
  /** Who signs in: sent as `login_hint`. */
  user: string;
  /** A Client ID Metadata Document URL (`https://`), used when the server supports them; otherwise the client registers. */
  clientMetadataUrl?: string;
  /** @default "http://127.0.0.1:33418/callback" (never listened on: the redirect is read, not followed) */
  redirectUrl?: string;
  /** @default "mcp-hosting browserless client" */
  clientName?: string;
  /** The scopes to ask for, in place of what the client chose from the challenge (a user picking them on a consent page). */
  scope?: string;
  /** What the user answers a consent page. @default "approve" */
  consent?: "approve" | "deny";
}

/** Pages and redirects followed before giving up: consent, the provider, its callback, and back. */
const MAX_HOPS = 10;

export class BrowserlessClient implements OAuthClientProvider {
  readonly clientMetadataUrl?: string;
  readonly #options: BrowserlessClientOptions;
  #client: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #verifier = "";
  #discovery: OAuthDiscoveryState | undefined;
  #callback: URLSearchParams | undefined;
  #refusal: string | undefined;
  /** Every authorization URL this client was sent to, oldest first. */
  readonly authorizations: URL[] = [];
  /** How the client got its client_id: a metadata document or dynamic registration. */
  registration: "metadata-document" | "dynamic" | undefined;

  constructor(options: BrowserlessClientOptions) {
    this.#options = options;
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get redirectUrl(): string {
    return this.#options.redirectUrl ?? "http://127.0.0.1:33418/callback";
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#options.clientName ?? "mcp-hosting browserless client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  /** The metadata document a client would serve at `clientMetadataUrl`. */
  metadataDocument(): Record<string, unknown> {
    return { client_id: this.clientMetadataUrl, ...this.clientMetadata };
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#client;
  }

  saveClientInformation(client: StoredOAuthClientInformation): void {
    this.registration = client.client_id === this.clientMetadataUrl ? "metadata-document" : "dynamic";
    this.#client = client;
  }

  tokens(): StoredOAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.#tokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    return this.#verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  /** "Opens" the authorization URL: the authorization server's redirect back carries the code (or its error). */
  async redirectToAuthorization(url: URL): Promise<void> {
    url.searchParams.set("login_hint", this.#options.user);
    if (this.#options.scope !== undefined) url.searchParams.set("scope", this.#options.scope);
    this.authorizations.push(new URL(url));
    const landed = await followSignIn(url, this.redirectUrl, this.#options.consent ?? "approve");
    this.#callback = landed.callback;
    this.#refusal = landed.refusal;
  }

  /** The parameters of the last redirect back (`code`, `state`, `iss`); throws what the authorization server said otherwise. */
  takeCallback(): URLSearchParams {
    const callback = this.#callback;
    this.#callback = undefined;
    if (callback === undefined) throw new Error(`the authorization server did not redirect back: ${this.#refusal ?? "no authorization was started"}`);
    return callback;
  }
}

/**
 * Runs `attempt`; when the client needs the user to sign in (an
 * `UnauthorizedError`: the 401 at connect, or a 403 insufficient_scope that
 * asks for more scopes), completes the sign-in with `finish` and tries again.
 */
export async function withSignIn<T>(client: BrowserlessClient, attempt: () => Promise<T>, finish: (callback: URLSearchParams) => Promise<void>, tries = 3): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= tries || !(error instanceof Error) || error.constructor.name !== "UnauthorizedError") throw error;
      await finish(client.takeCallback());
    }
  }
}

/** Where a sign-in ended: the redirect back to `redirectUrl` (its query), or why it stopped short. */
export interface SignInEnd {
  callback?: URLSearchParams;
  refusal?: string;
  /** The page it stopped on, when one was shown instead of a redirect. */
  status?: number;
}

/**
 * Follows an authorization URL as a browser would, with a cookie jar: every
 * redirect, and a consent page's form (its hidden fields and ticked scopes,
 * with `decision`), until a redirect to `redirectUrl` or a page that is not
 * a consent form.
 */
export async function followSignIn(start: URL, redirectUrl: string, decision: "approve" | "deny" = "approve"): Promise<SignInEnd> {
  const jar = new Map<string, Map<string, string>>();
  let request: { url: URL; init: RequestInit } = { url: start, init: {} };
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const cookies = jar.get(request.url.host);
    const headers = new Headers(request.init.headers);
    if (cookies?.size) headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(request.url, { ...request.init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const forHost = jar.get(request.url.host) ?? new Map<string, string>();
      forHost.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
      jar.set(request.url.host, forHost);
    }
    const location = response.headers.get("location");
    if (location !== null && response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      if (location.startsWith(redirectUrl)) return { callback: new URL(location).searchParams };
      request = { url: new URL(location, request.url), init: {} };
      continue;
    }
    const text = await response.text();
    const form = response.ok ? consentForm(text, decision) : undefined;
    if (form === undefined) return { refusal: `${response.status} ${pageText(text)}`, status: response.status };
    request = { url: request.url, init: { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form } };
  }
  return { refusal: `no redirect back after ${MAX_HOPS} pages and redirects` };
}

/** A consent page's answer: its hidden fields, the scopes ticked, and the decision; `undefined` for any other page. */
function consentForm(html: string, decision: "approve" | "deny"): URLSearchParams | undefined {
  if (!/<form method="post"/i.test(html) || !/name="handle"/.test(html)) return undefined;
  const form = new URLSearchParams();
  for (const input of html.matchAll(/<input ([^>]*)>/g)) {
    const attributes = Object.fromEntries([...input[1]!.matchAll(/(\w+)(?:="([^"]*)")?/g)].map((match) => [match[1]!, unescapeHtml(match[2] ?? "")]));
    if (attributes.type === "hidden" || (attributes.type === "checkbox" && "checked" in attributes)) form.append(attributes.name!, attributes.value!);
  }
  form.set("decision", decision);
  return form;
}

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** A page's text without its markup, for a refusal message. */
function pageText(html: string): string {
  return unescapeHtml(html.replace(/<title>[^<]*<\/title>|<style>[^<]*<\/style>/g, "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim());
}
