import { constantTimeEqual } from "../upstream/signing.ts";
import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";

/** The HTTP rules every runtime applies before MCP sees a request. */
export interface HttpPolicy {
  /**
   * Browser origins allowed to call the server. Requests without an `Origin`
   * header (non-browser clients) are always allowed. `localhost` allows any
   * port on localhost, 127.0.0.1 and [::1].
   */
  allowedOrigins: readonly string[] | "localhost";
  /** Bearer tokens and the principal each one authenticates; empty = no auth. */
  tokens: ReadonlyMap<string, string>;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /**
   * How long a body may take to arrive once the request has reached the
   * handler (408 after). Node's HTTP server enforces its own limit first.
   */
  bodyTimeoutMs: number;
  /** The principal of unauthenticated requests when no tokens are configured. */
  defaultPrincipal: string;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * An oversized body is still read and discarded up to this size, so the
 * client gets to read our 413 instead of a reset connection; past it the
 * answer comes at once.
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Most bytes of request line and headers together: Node's own limit
 * (`--max-http-header-size`, 16 KiB), which its parser enforces with 431.
 * The Worker applies it in code; Cloudflare's own limits are looser (URLs
 * 16 KB, headers 128 KB: developers.cloudflare.com/workers/platform/limits).
 */
export const MAX_HEAD_BYTES = 16 * 1024;

/** The 431 for a request whose URL and headers pass {@link MAX_HEAD_BYTES}, or nothing. */
export function refuseOversizedHead(request: Request): Response | undefined {
  let size = request.url.length;
  request.headers.forEach((value, name) => (size += name.length + value.length + 4));
  if (size <= MAX_HEAD_BYTES) return undefined;
  return jsonRpcErrorResponse(431, JsonRpcCode.invalidRequest, `Request Header Fields Too Large: the URL and headers are over ${MAX_HEAD_BYTES} bytes`);
}

export type Admission = { ok: true; principal: string } | { ok: false; response: Response };

/** Applies the origin and auth rules; returns the principal or the refusal. Body size is checked as the body is read. */
export function admitRequest(request: Request, policy: HttpPolicy): Admission {
  const foreign = refuseForeignOrigin(request, policy);
  if (foreign) return refuse(foreign);
  if (policy.tokens.size === 0) return { ok: true, principal: policy.defaultPrincipal };
  const principal = authenticate(request.headers.get("authorization"), policy.tokens);
  if (principal === undefined) {
    return refuse(
      jsonRpcErrorResponse(401, JsonRpcCode.invalidRequest, "Unauthorized: a valid bearer token is required", {
        headers: { "www-authenticate": 'Bearer realm="mcp", error="invalid_token"' },
      }),
    );
  }
  return { ok: true, principal };
}

/** The 403 for a browser origin that is not allowed, or nothing. */
export function refuseForeignOrigin(request: Request, policy: HttpPolicy): Response | undefined {
  const origin = request.headers.get("origin");
  if (origin === null || isOriginAllowed(origin, policy.allowedOrigins)) return undefined;
  return jsonRpcErrorResponse(403, JsonRpcCode.invalidRequest, `Forbidden: origin ${origin} is not allowed`);
}

export function tooLarge(maxBodyBytes: number): Response {
  return jsonRpcErrorResponse(413, JsonRpcCode.invalidRequest, tooLargeMessage(maxBodyBytes));
}

/** What a client is told when its body is over the limit, by every runtime. */
export function tooLargeMessage(maxBodyBytes: number): string {
  return `Payload too large: the limit is ${maxBodyBytes} bytes`;
}

export function isOriginAllowed(origin: string, allowed: HttpPolicy["allowedOrigins"]): boolean {
  if (allowed !== "localhost") return allowed.includes(origin);
  try {
    const url = new URL(origin);
    return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) && ["http:", "https:"].includes(url.protocol);
  } catch {
    return false;
  }
}

/** Compares against every token in constant time, so timing reveals nothing. */
export function authenticate(header: string | null, tokens: ReadonlyMap<string, string>): string | undefined {
  const match = header === null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  const presented = match?.[1] ?? "";
  let principal: string | undefined;
  for (const [token, subject] of tokens) {
    if (constantTimeEqual(token, presented) && presented !== "") principal = subject;
  }
  return principal;
}

/**
 * Parses `MCP_AUTH_TOKEN`: a comma-separated list of `token` or
 * `subject=token` entries. A bare token authenticates the default principal.
 */
export function parseTokens(value: string | undefined, defaultPrincipal: string): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const entry of (value ?? "").split(",").map((part) => part.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    const [subject, token] = eq > 0 ? [entry.slice(0, eq), entry.slice(eq + 1)] : [defaultPrincipal, entry];
    if (token.length < 16) throw new Error("MCP_AUTH_TOKEN: each token must be at least 16 characters");
    tokens.set(token, subject);
  }
  return tokens;
}

function refuse(response: Response): Admission {
  return { ok: false, response };
}
