/**
 * s3rver (3.7.1) checks that a Signature Version 4 request names a known
 * access key id, but does not verify the signature: a wrong secret passes. To
 * see what S3 does with a wrong secret, this front verifies each request's
 * signature the way the AWS SDK computes it (@smithy/signature-v4, the SDK's
 * own signer, an implementation independent of the app's), answers 403
 * SignatureDoesNotMatch as S3 does when it differs, and passes the rest on.
 */
import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SourceData } from "@smithy/types";

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The SDK's hash interface over node:crypto: an HMAC when given a secret. */
class NodeSha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

export interface SignedGet {
  url: URL;
  /** Every signed header but host (taken from the URL), as sent. */
  headers: Record<string, string>;
}

/** The Authorization header the AWS SDK's signer gives the GET `request` at `date`. */
export async function sdkAuthorization(
  request: SignedGet,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
  date: Date,
): Promise<string> {
  const signer = new SignatureV4({ service: "s3", region, credentials, sha256: NodeSha256, uriEscapePath: false });
  const { authorization: _sent, ...headers } = request.headers;
  const signed = await signer.sign(
    {
      method: "GET",
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port ? { port: Number(request.url.port) } : {}),
      path: request.url.pathname,
      query: {},
      headers: { ...headers, host: request.url.host },
    },
    { signingDate: date },
  );
  return String(signed.headers.authorization ?? signed.headers.Authorization);
}

/** `20261206T120000Z` as a Date. */
function amzDateOf(text: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return new Date(Number.NaN);
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
}

export interface SignatureCheckingS3 {
  endpoint: string;
  close(): Promise<void>;
}

/** A loopback front to the S3 server at `upstream` that holds the key pair `credentials` and verifies signatures. */
export async function startSignatureCheckingS3(
  upstream: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
): Promise<SignatureCheckingS3> {
  const server = createServer((request, response) => {
    void check(request).then(
      ({ status, contentType, body }) => {
        response.writeHead(status, { "content-type": contentType });
        response.end(body);
      },
      (error: Error) => {
        response.writeHead(500, { "content-type": "text/plain" });
        response.end(error.message);
      },
    );
  });
  async function check(request: IncomingMessage): Promise<{ status: number; contentType: string; body: string | Buffer }> {
    const headers: Record<string, string> = {};
    for (const name of ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"]) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const url = new URL(request.url ?? "/", `http://${request.headers.host}`);
    const expected = await sdkAuthorization({ url, headers }, credentials, region, amzDateOf(headers["x-amz-date"] ?? ""));
    if (request.method !== "GET" || headers.authorization !== expected) {
      return {
        status: 403,
        contentType: "application/xml",
        body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The signature differs from the one this server computes with its secret.</Message></Error>",
      };
    }
    // Verified here: the request goes on unsigned, which s3rver serves as it would a signed one.
    const answer = await fetch(new URL(request.url ?? "/", upstream));
    return { status: answer.status, contentType: answer.headers.get("content-type") ?? "application/octet-stream", body: Buffer.from(await answer.arrayBuffer()) };
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
