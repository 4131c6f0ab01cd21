/**
 * The authorization server's signing keys: found through its metadata (RFC 8414,
 * or OpenID Connect Discovery), fetched from its `jwks_uri` by jose, cached,
 * and fetched again when a token names a key the cache does not hold — at most
 * once per cooldown, so a flood of made-up `kid`s cannot turn into a flood of
 * requests to the issuer. Runtime-neutral: `fetch` and Web Crypto only.
 */
import { createRemoteJWKSet, customFetch, errors, type FlattenedJWSInput, type JWK, type JWSHeaderParameters } from "jose";
import { LOOPBACK_HOSTS } from "./settings.ts";

/** The issuer cannot be asked right now, or answers something unusable: tokens cannot be checked, so none is accepted. */
export class IssuerUnavailable extends Error {
  override name = "IssuerUnavailable";
}

export interface IssuerKeysOptions {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Per request to the issuer. @default 5000 */
  timeoutMs?: number;
  /** Earliest refetch of the JWKS for an unknown `kid` (jose's `cooldownDuration`). @default 30_000 */
  cooldownMs?: number;
  /** Age at which the JWKS is fetched again anyway (jose's `cacheMaxAge`). @default 600_000 */
  cacheMaxAgeMs?: number;
  /** How long the metadata (and so `jwks_uri`) is trusted before it is read again. @default 3_600_000 */
  metadataMaxAgeMs?: number;
  /** After a failed discovery, requests fail at once for this long instead of asking again. @default 5_000 */
  retryAfterMs?: number;
}

/** Algorithms a token may be signed with: asymmetric only, so never `none` and never an HMAC keyed with a public key. */
export const ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

type KeySet = ReturnType<typeof createRemoteJWKSet>;
interface DiscoveredKeys {
  set: KeySet;
  jwksUri: string;
  discoveredAt: number;
}

export class IssuerKeys {
  readonly issuer: string;
  readonly #options: Required<Omit<IssuerKeysOptions, "fetch">> & { fetch: typeof fetch };
  #keys: DiscoveredKeys | undefined;
  #failure: { at: number; error: IssuerUnavailable } | undefined;

  constructor(issuer: string, options: IssuerKeysOptions = {}) {
    this.issuer = issuer;
    this.#options = {
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      timeoutMs: options.timeoutMs ?? 5000,
      cooldownMs: options.cooldownMs ?? 30_000,
      cacheMaxAgeMs: options.cacheMaxAgeMs ?? 600_000,
      metadataMaxAgeMs: options.metadataMaxAgeMs ?? 3_600_000,
      retryAfterMs: options.retryAfterMs ?? 5000,
    };
  }

  /**
   * jose's key resolver for `jwtVerify`. An unknown key stays jose's
   * `JWKSNoMatchingKey` (the token is refused); an issuer that cannot be
   * reached, or whose JWKS holds no key this server could ever use, is an
   * {@link IssuerUnavailable}.
   */
  async keyFor(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const keys = await this.#discover();
    try {
      return (await keys.set(header, token)) as CryptoKey;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        if (!(keys.set.jwks()?.keys ?? []).some(isUsableSigningKey)) {
          throw new IssuerUnavailable(`the JWKS at ${keys.jwksUri} holds no key that can verify a token (expected RSA, EC or OKP signing keys)`);
        }
        throw error;
      }
      throw new IssuerUnavailable(`the JWKS at ${keys.jwksUri} could not be read: ${reasonOf(error)}`);
    }
  }

  async #discover(): Promise<DiscoveredKeys> {
    const now = Date.now();
    const known = this.#keys;
    if (known !== undefined && now - known.discoveredAt < this.#options.metadataMaxAgeMs) return known;
    if (this.#failure !== undefined && now - this.#failure.at < this.#options.retryAfterMs) throw this.#failure.error;
    try {
      const jwksUri = await this.#jwksUri();
      // The same set object survives a rediscovery that finds the same URI, and with it jose's cache.
      const set = known?.jwksUri === jwksUri ? known.set : this.#keySet(jwksUri);
      this.#keys = { set, jwksUri, discoveredAt: now };
      this.#failure = undefined;
      return this.#keys;
    } catch (error) {
      const unavailable = error instanceof IssuerUnavailable ? error : new IssuerUnavailable(reasonOf(error));
      // Keys found before stay usable while the metadata cannot be read again.
      if (known !== undefined) return known;
      this.#failure = { at: now, error: unavailable };
      throw unavailable;
    }
  }

  #keySet(jwksUri: string): KeySet {
    return createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: this.#options.timeoutMs,
      cooldownDuration: this.#options.cooldownMs,
      cacheMaxAge: this.#options.cacheMaxAgeMs,
      [customFetch]: this.#options.fetch,
    });
  }

  /** The issuer's `jwks_uri`, from the first of its metadata documents that answers (the order of the MCP spec's "Authorization Server Metadata Discovery"). */
  async #jwksUri(): Promise<string> {
    const tried: string[] = [];
    for (const url of metadataUrls(this.issuer)) {
      let response: Response;
      try {
        response = await this.#options.fetch(url, { headers: { accept: "application/json" }, redirect: "manual", signal: AbortSignal.timeout(this.#options.timeoutMs) });
      } catch (error) {
        throw new IssuerUnavailable(`${url} did not answer: ${reasonOf(error)}`);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        tried.push(`${url} (${response.status})`);
        continue;
      }
      const metadata = (await response.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
      // RFC 8414 §3.3: the metadata must name the issuer it was fetched for, or it is not that issuer's.
      if (metadata?.issuer !== this.issuer) {
        throw new IssuerUnavailable(`${url} describes issuer ${JSON.stringify(metadata?.issuer)}, not ${this.issuer}`);
      }
      if (typeof metadata.jwks_uri !== "string" || !isSafeUrl(metadata.jwks_uri)) {
        throw new IssuerUnavailable(`${url} has no usable jwks_uri (expected an https:// URL)`);
      }
      return metadata.jwks_uri;
    }
    throw new IssuerUnavailable(`no metadata found for ${this.issuer}: tried ${tried.join(", ")}`);
  }
}

/**
 * RFC 8414 §3.1 inserts the well-known segment before the issuer's path; OpenID
 * Connect Discovery appends it. The MCP spec lists the order to try them in.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, "");
  const at = (pathname: string) => new URL(pathname, url.origin).href;
  if (path === "") return [at("/.well-known/oauth-authorization-server"), at("/.well-known/openid-configuration")];
  return [at(`/.well-known/oauth-authorization-server${path}`), at(`/.well-known/openid-configuration${path}`), at(`${path}/.well-known/openid-configuration`)];
}

/** A public key jose could verify one of the allowed algorithms with. */
function isUsableSigningKey(key: JWK): boolean {
  if (!["RSA", "EC", "OKP"].includes(key.kty ?? "")) return false;
  if (key.use !== undefined && key.use !== "sig") return false;
  return key.alg === undefined || ALLOWED_ALGORITHMS.includes(key.alg);
}

function isSafeUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.includes(url.hostname));
  } catch {
    return false;
  }
}

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
