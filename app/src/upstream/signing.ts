/**
 * Shared-secret request signatures between the edge, the Fly service and the
 * Modal app: HMAC-SHA256 over method, path, timestamp, a random nonce and the
 * body's SHA-256. The nonce keeps a quick retry of an identical call from
 * looking like a replay. Web Crypto only, so the same code runs on Node and in
 * workerd. The Python side (`app/modal/signing.py`) implements the identical scheme.
 *
 * A call to Fly also names the release whose handlers must answer it (Fly
 * serves every pinned release side by side): the release is then a sixth line
 * of the signed text, so a caller cannot swap it for another, and removing the
 * header breaks the signature too. Calls to Modal name none (one app per color).
 */
export const TIMESTAMP_HEADER = "x-mcp-timestamp";
export const NONCE_HEADER = "x-mcp-nonce";
export const SIGNATURE_HEADER = "x-mcp-signature";
export const RELEASE_HEADER = "x-mcp-release";
/** How old (or how far in the future) a signed request may be. */
export const MAX_SKEW_SECONDS = 60;

const encoder = new TextEncoder();

export async function signRequest(
  secret: string,
  method: string,
  pathWithQuery: string,
  body: Uint8Array<ArrayBuffer>,
  nowSeconds = Math.floor(Date.now() / 1000),
  nonce = toHex(crypto.getRandomValues(new Uint8Array(16)).buffer),
  release?: string,
): Promise<Record<string, string>> {
  const timestamp = String(nowSeconds);
  const signature = await hmacHex(secret, await canonical(method, pathWithQuery, timestamp, nonce, body, release));
  return { [TIMESTAMP_HEADER]: timestamp, [NONCE_HEADER]: nonce, [SIGNATURE_HEADER]: `v1=${signature}`, ...(release === undefined ? {} : { [RELEASE_HEADER]: release }) };
}

/** A signature's verdict; a good one names the release it was signed for, if any. */
export type Verdict = { ok: true; signature: string; release: string | undefined } | { ok: false; reason: string };

/**
 * Checks a request's signature and age. Replays of a still-fresh signature are
 * caught by a {@link ReplayGuard}; this function is stateless.
 */
export async function verifySignature(
  secret: string,
  method: string,
  pathWithQuery: string,
  headers: Headers,
  body: Uint8Array<ArrayBuffer>,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Verdict> {
  const timestamp = headers.get(TIMESTAMP_HEADER);
  const nonce = headers.get(NONCE_HEADER);
  const signature = headers.get(SIGNATURE_HEADER);
  const release = headers.get(RELEASE_HEADER) ?? undefined;
  if (timestamp === null || nonce === null || signature === null) return { ok: false, reason: "missing signature headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed timestamp" };
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) return { ok: false, reason: "malformed nonce" };
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) {
    return { ok: false, reason: `stale or future timestamp (more than ${MAX_SKEW_SECONDS} s off)` };
  }
  const match = /^v1=([0-9a-f]{64})$/.exec(signature);
  if (match === null) return { ok: false, reason: "malformed signature" };
  if (release !== undefined && !RELEASE_NAME.test(release)) return { ok: false, reason: "malformed release" };
  const expected = await hmacHex(secret, await canonical(method, pathWithQuery, timestamp, nonce, body, release));
  if (!constantTimeEqual(expected, match[1]!)) return { ok: false, reason: "signature mismatch" };
  return { ok: true, signature: match[1]!, release };
}

/**
 * Remembers the signatures it admitted while their timestamps are fresh, so
 * an exact replay is refused. A receiver keeps it where a restart does not
 * lose it (the Node service: its SQLite database).
 */
export interface ReplayGuard {
  /** True the first time a signature is seen within the window; `nowSeconds` is the verifier's clock. */
  admit(signature: string, nowSeconds?: number): boolean;
}

/**
 * How long a signature is remembered: a timestamp is accepted up to
 * {@link MAX_SKEW_SECONDS} either side of now, so one seen now can still be
 * presented that long after its timestamp, which may be that far ahead.
 */
export const REPLAY_MEMORY_SECONDS = MAX_SKEW_SECONDS * 2;

export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

/** What a release header may hold: `local` or a release id (stacks/schema.ts), nothing that could break a line. */
export const RELEASE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

async function canonical(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: Uint8Array<ArrayBuffer>, release: string | undefined): Promise<string> {
  const bodyHash = toHex(await crypto.subtle.digest("SHA-256", body));
  const text = `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}`;
  return release === undefined ? text : `${text}\n${release}`;
}

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

function toHex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
