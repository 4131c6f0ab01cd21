/**
 * An OAuth client provider for the official MCP SDK clients (v1 and v2) that
 * needs no browser: where a desktop client would open the authorization URL,
 * this one requests it and reads the redirect the authorization server
 * answers with. It works with the development authorization server, which
 * signs the user named by `login_hint` in without a page; a real identity
 * provider would answer with its login page instead.
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
}

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
    const response = await fetch(url, { redirect: "manual" });
    const location = response.headers.get("location");
    if (location !== null && location.startsWith(this.redirectUrl)) {
      this.#callback = new URL(location).searchParams;
      this.#refusal = undefined;
    } else {
      this.#callback = undefined;
      this.#refusal = `${response.status} ${(await response.text()).trim()}`;
    }
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
