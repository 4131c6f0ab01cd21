/**
 * One signed S3 GET, with node:crypto and fetch: the machine fetches release
 * trees from the stack's backup bucket with the credentials it already has for
 * Litestream, and the app package takes no AWS SDK for one request.
 *
 * Signing follows AWS Signature Version 4 as AWS documents it: "Create a signed
 * AWS API request" (IAM User Guide,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)
 * and, for S3's rules (the path is not encoded twice, x-amz-content-sha256 is
 * required), "Authenticating Requests: Using the Authorization Header (AWS
 * Signature Version 4)" (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html).
 */
import { createHash, createHmac } from "node:crypto";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** For temporary credentials. */
  sessionToken?: string | undefined;
}

export interface S3ObjectRequest {
  bucket: string;
  /** The object's key, without a leading "/". @example "release-trees/r-3f9a0c2b7d41.json.gz" */
  key: string;
  /** @example "us-east-1" */
  region: string;
  /**
   * An S3-compatible endpoint; the bucket then goes in the path. Without it the
   * URL is AWS's `https://<bucket>.s3.<region>.amazonaws.com/<key>`.
   * @example "https://<account>.r2.cloudflarestorage.com"
   */
  endpoint?: string | undefined;
  credentials: S3Credentials;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The whole request, body included, in milliseconds. @default 30000 */
  timeoutMs?: number;
  /** A larger object is refused, not read. @default 268435456 (256 MiB) */
  maxBytes?: number;
}

export class S3ObjectError extends Error {
  /** The HTTP status S3 answered with, if it answered. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = "S3ObjectError";
    this.status = status;
  }
}

/** The sha256 of an empty body: a GET signs its (absent) payload. */
const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

/** RFC 3986 unreserved characters stay, every other byte is %XX: S3's rule for the canonical URI. */
function uriEncode(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac("sha256", key).update(text, "utf8").digest();
}

/** The object's URL: path-style under an endpoint, virtual-hosted on AWS. */
export function s3ObjectUrl(request: Pick<S3ObjectRequest, "bucket" | "key" | "region" | "endpoint">): URL {
  const key = request.key.split("/").map(uriEncode).join("/");
  if (request.endpoint === undefined) return new URL(`https://${request.bucket}.s3.${request.region}.amazonaws.com/${key}`);
  const endpoint = new URL(request.endpoint);
  const base = endpoint.pathname.replace(/\/+$/, "");
  return new URL(`${endpoint.origin}${base}/${uriEncode(request.bucket)}/${key}`);
}

/**
 * The URL and headers of a GET signed at `date`. Exported so that tests can
 * hold it against another implementation of the same signature.
 */
export function signS3Get(request: Pick<S3ObjectRequest, "bucket" | "key" | "region" | "endpoint" | "credentials">, date: Date): { url: URL; headers: Record<string, string> } {
  const url = s3ObjectUrl(request);
  const amzDate = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    // fetch sends exactly `url.host` (no port when it is the scheme's default): the value signed here.
    host: url.host,
    "x-amz-content-sha256": EMPTY_SHA256,
    "x-amz-date": amzDate,
    ...(request.credentials.sessionToken ? { "x-amz-security-token": request.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    "GET",
    url.pathname,
    "", // no query
    ...names.map((name) => `${name}:${headers[name]!.trim()}`),
    "",
    signedHeaders,
    EMPTY_SHA256,
  ].join("\n");
  const scope = `${day}/${request.region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonicalRequest, "utf8").digest("hex")].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${request.credentials.secretAccessKey}`, day), request.region), "s3"), "aws4_request");
  const signature = hmac(signingKey, stringToSign).toString("hex");
  const { host: _host, ...sent } = headers;
  return {
    url,
    headers: { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}` },
  };
}

/** S3's own words from an error body: `<Code>` and `<Message>`. */
function s3ErrorOf(body: string): { code: string; message: string } {
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1] ?? "";
  return { code: field("Code"), message: field("Message") };
}

/** The body, refused as soon as it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number, name: string): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new S3ObjectError(`${name}: ${declared} bytes, more than the ${maxBytes} allowed`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      total += chunk.length;
      if (total > maxBytes) throw new S3ObjectError(`${name}: more than the ${maxBytes} bytes allowed`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, total);
}

/** The object's bytes; an error names the bucket and key (never the secret) and what S3 said. */
export async function getS3Object(request: S3ObjectRequest): Promise<Buffer> {
  const timeoutMs = request.timeoutMs ?? 30_000;
  const maxBytes = request.maxBytes ?? 256 * 1024 * 1024;
  const name = `s3://${request.bucket}/${request.key}${request.endpoint === undefined ? "" : ` at ${request.endpoint}`}`;
  const { url, headers } = signS3Get(request, new Date());
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // A redirect (S3 says so for a bucket in another region) is reported, not followed with the signature.
    const response = await (request.fetch ?? fetch)(url, { method: "GET", headers, signal, redirect: "manual" });
    if (response.ok) return await readCapped(response, maxBytes, name);
    const { code, message } = s3ErrorOf(await readCapped(response, 64 * 1024, name).then((bytes) => bytes.toString("utf8"), () => ""));
    const said = [code, message].filter(Boolean).join(": ");
    const answer = `${response.status}${said ? ` ${said}` : ""}`;
    if (response.status === 403) {
      throw new S3ObjectError(
        `${name}: access denied (${answer}); check that access key id ${request.credentials.accessKeyId} and its secret may read this bucket`,
        403,
      );
    }
    if (response.status === 404) throw new S3ObjectError(`${name}: not found (${answer}); check the bucket and the key`, 404);
    throw new S3ObjectError(`${name}: S3 answered ${answer}`, response.status);
  } catch (error) {
    if (error instanceof S3ObjectError) throw error;
    if (signal.aborted) throw new S3ObjectError(`${name}: no whole answer within ${timeoutMs} ms`);
    const cause = (error as Error).cause as Error | undefined;
    throw new S3ObjectError(`${name}: request failed: ${(error as Error).message}${cause?.message ? ` (${cause.message})` : ""}`);
  }
}
