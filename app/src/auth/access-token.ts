/**
 * An access token is a JWT the issuer signed for this endpoint: what the SDK's
 * bearer helpers cannot check themselves (they take an `OAuthTokenVerifier`
 * and compare only what it reports) is done here with jose.
 */
import { OAuthError, OAuthErrorCode, type AuthInfo, type OAuthTokenVerifier } from "@modelcontextprotocol/server";
import { errors, jwtVerify, type JWTPayload } from "jose";
import { ALLOWED_ALGORITHMS, IssuerUnavailable, type IssuerKeys } from "./issuer-keys.ts";

/** Clocks of the issuer and this server may disagree by this much, for `exp` and `nbf` (RFC 7519 §4.1.4 allows "some small leeway"). */
export const CLOCK_SKEW_SECONDS = 30;

/**
 * Verifies tokens for one endpoint, whose canonical URI (RFC 8707) is
 * `resource`: signature with the issuer's keys and an allowed algorithm,
 * `iss`, `aud` holding `resource` (a token for another server, or another API
 * version of this one, is refused), `exp` and `nbf`, and a `sub` to act for.
 * With `tenantClaim` (quotas), that claim's value is reported as `extra.tenant`.
 */
export function accessTokenVerifier(keys: IssuerKeys, resource: URL, tenantClaim?: string): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, (header, jws) => keys.keyFor(header, jws), {
          issuer: keys.issuer,
          audience: resource.href,
          algorithms: ALLOWED_ALGORITHMS,
          clockTolerance: CLOCK_SKEW_SECONDS,
          requiredClaims: ["exp", "sub"],
        }));
      } catch (error) {
        if (error instanceof IssuerUnavailable) throw error;
        throw new OAuthError(OAuthErrorCode.InvalidToken, refusal(error, resource));
      }
      const clientId = stringClaim(payload.client_id) ?? stringClaim(payload.azp);
      const tenant = tenantClaim === undefined ? undefined : tenantOf(payload[tenantClaim]);
      return {
        token: "",
        clientId: clientId ?? payload.sub!,
        scopes: scopesOf(payload),
        // The SDK checks `expiresAt` again with no leeway; the skew jose allowed is carried over so both agree.
        expiresAt: payload.exp! + CLOCK_SKEW_SECONDS,
        resource,
        extra: { sub: payload.sub, ...(clientId ? { clientId } : {}), ...(tenant ? { tenant } : {}) },
      };
    },
  };
}

/** The scopes a token carries: `scope` (RFC 9068, space-separated) or `scp` (Okta, Entra ID; a list or a string). */
export function scopesOf(payload: JWTPayload): string[] {
  const claim = payload.scope ?? payload.scp;
  if (typeof claim === "string") return claim.split(" ").filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((scope): scope is string => typeof scope === "string");
  return [];
}

/** A tenant claim's value: a string or a number (some issuers number their organizations); anything else names no tenant. */
function tenantOf(value: unknown): string | undefined {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : stringClaim(value);
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What the client is told about a refused token: enough to fix it, nothing about our keys beyond what the JWKS says. */
function refusal(error: unknown, resource: URL): string {
  if (error instanceof errors.JWTExpired) return "The access token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "aud":
        return `The access token was not issued for this resource (expected audience ${resource.href})`;
      case "iss":
        return "The access token was not issued by this server's authorization server";
      case "nbf":
        return "The access token is not valid yet";
      default:
        return `The access token's ${error.claim} claim is missing or invalid`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "The access token's signing algorithm is not accepted (expected RS, PS, ES or EdDSA)";
  if (error instanceof errors.JWKSNoMatchingKey) return "The access token was signed with a key the authorization server does not publish";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The access token's signature is invalid";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return "The access token is not a well-formed JWT";
  return "The access token is invalid";
}
