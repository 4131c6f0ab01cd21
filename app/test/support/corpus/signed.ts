// The signed backends the edge calls, attacked directly: the Fly service's POST /tools/<name> and the Modal runner's.
import { signRequest } from "../../../src/upstream/signing.ts";
import type { RawRequest } from "../raw-http.ts";
import { UPSTREAM_SECRET, type Send } from "./shape.ts";

export interface Backend {
  name: "fly" | "modal";
  origin: string;
  path: string;
  /** Arguments of an ordinary call. */
  args: Record<string, unknown>;
}

export interface SignedCase {
  name: string;
  /** The request, built from an ordinary signed call (`signed`) the case may resend or alter. */
  send: (backend: Backend, signed: RawRequest) => Promise<Send>;
  status: number;
  error: RegExp;
}

/** An ordinary call, signed now with the shared key (or with `options`'s key, time or path). */
export async function signedCall(backend: Backend, options: { secret?: string; at?: number; path?: string; body?: string } = {}): Promise<RawRequest> {
  const body = options.body ?? JSON.stringify(backend.args);
  const headers = await signRequest(options.secret ?? UPSTREAM_SECRET, "POST", options.path ?? backend.path, new TextEncoder().encode(body) as Uint8Array<ArrayBuffer>, options.at);
  return { method: "POST", path: backend.path, body, headers: { ...headers, "content-type": "application/json" } };
}

const now = () => Math.floor(Date.now() / 1000);

/** A signed call as raw bytes, with framing headers of the case's choosing. */
function bytes(backend: Backend, signed: RawRequest, framing: string[]): { bytes: string } {
  const lines = [`POST ${backend.path} HTTP/1.1`, `Host: ${new URL(backend.origin).host}`, ...Object.entries(signed.headers!).map(([name, value]) => `${name}: ${value}`), ...framing, "connection: close"];
  return { bytes: `${lines.join("\r\n")}\r\n\r\n${signed.body}` };
}

export const SIGNED: SignedCase[] = [
  { name: "an exact replay", send: async (_, signed) => signed, status: 401, error: /replayed request: this signature was already used/ },
  { name: "a tampered body", send: async (_, signed) => ({ ...signed, body: signed.body!.replace(/"$|}$/, ',"extra":1}') }), status: 401, error: /signature mismatch/ },
  { name: "a signature made for another path", send: async (b) => signedCall(b, { path: `${b.path}?other=1` }), status: 401, error: /signature mismatch/ },
  { name: "a signature made with another key", send: async (b) => signedCall(b, { secret: "not-the-shared-secret-0123456789" }), status: 401, error: /signature mismatch/ },
  { name: "a timestamp 61 s old", send: async (b) => signedCall(b, { at: now() - 61 }), status: 401, error: /stale or future timestamp/ },
  { name: "a timestamp 61 s ahead", send: async (b) => signedCall(b, { at: now() + 61 }), status: 401, error: /stale or future timestamp/ },
  { name: "no signature headers", send: async (_, signed) => ({ ...signed, headers: { "content-type": "application/json" } }), status: 401, error: /missing/ },
  {
    name: "an upper-case signature",
    send: async (_, signed) => ({ ...signed, headers: { ...signed.headers, "x-mcp-signature": signed.headers!["x-mcp-signature"]!.toUpperCase().replace("V1=", "v1=") } }),
    status: 401,
    error: /malformed/,
  },
  { name: "a correctly signed body nested 100 levels deep", send: async (b) => signedCall(b, { body: `{"x":${"[".repeat(100)}${"]".repeat(100)}}` }), status: 400, error: /nested (deeper than|at most) 64 levels/ },
  { name: "two Content-Length headers that disagree", send: async (b, signed) => bytes(b, signed, [`content-length: ${signed.body!.length}`, `content-length: ${signed.body!.length + 1}`]), status: 400, error: /Content-Length|Bad Request/i },
  { name: "a Content-Length that is not ASCII digits", send: async (b, signed) => bytes(b, signed, ["content-length: \u00b2\u00b3"]), status: 400, error: /Content-Length|Bad Request/i },
];
