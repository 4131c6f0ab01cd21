// What the OAuth tests share: both runtimes behind one shape, an HTTPS host for Client ID Metadata
// Documents, and tokens signed with the development authorization server's own keys.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importJWK, SignJWT, type JWTPayload } from "jose";
import { startDevAuthorizationServer, type DevAuthorizationServer } from "../../scripts/dev-auth/authorization-server.ts";
import { startEdgeWorker } from "./edge-worker.ts";
import { removeDataDir, startServer } from "./server-process.ts";

/** One runtime serving MCP: the Node server (`npm start`) or the Worker under workerd. */
export interface Served {
  origin: string;
  endpoint(apiVersion: string): URL;
  stop(): Promise<void>;
}

export interface Runtime {
  name: "node" | "edge";
  /** Starts it with these variables (environment on Node, bindings on the Worker). */
  start(settings: Record<string, string>): Promise<Served>;
}

export const RUNTIMES: readonly Runtime[] = [
  {
    name: "node",
    async start(env) {
      const server = await startServer({ env: { MCP_API_VERSIONS: "v1,v2", MCP_START_COMPUTE: "0", ...env } });
      return {
        origin: server.origin,
        endpoint: (apiVersion) => new URL(`/${apiVersion}/mcp`, server.origin),
        async stop() {
          await server.stop();
          removeDataDir(server.dataDir);
        },
      };
    },
  },
  {
    name: "edge",
    async start(bindings) {
      const edge = await startEdgeWorker({ bindings });
      return { origin: edge.origin, endpoint: (apiVersion) => new URL(`/${apiVersion}/mcp`, edge.origin), stop: () => edge.dispose() };
    },
  },
];

/** Signs a token with the authorization server's key (or claims and header of the test's choosing). */
export async function signToken(auth: DevAuthorizationServer, claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
  const jwk = auth.keys.toJSON(true)[0]!;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: auth.issuer, iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, ...header })
    .sign(await importJWK(jwk, jwk.alg));
}

export interface DocumentHost {
  origin: string;
  /** PEM of its certificate, for whoever fetches from it to trust. */
  certificate: string;
  /** Serves a document at `path`; returns its URL. */
  serve(path: string, document: unknown): string;
  stop(): Promise<void>;
}

/** The development authorization server, trusting a document host started with it. */
export async function startAuthorizationWithDocuments(): Promise<{ auth: DevAuthorizationServer; documents: DocumentHost }> {
  const documents = await startDocumentHost();
  return { auth: await startDevAuthorizationServer({ trust: documents.certificate }), documents };
}

/**
 * An HTTPS server on loopback with a certificate made for the run, serving
 * Client ID Metadata Documents: the SDK clients insist their client_id is an
 * `https://` URL, and the authorization server fetches it.
 */
export async function startDocumentHost(): Promise<DocumentHost> {
  const dir = mkdtempSync(join(tmpdir(), "cimd-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    const certificate = readFileSync(join(dir, "cert.pem"), "utf8");
    const documents = new Map<string, string>();
    const server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: certificate }, (req, res) => {
      const document = documents.get(req.url ?? "");
      if (document === undefined) res.writeHead(404).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(document);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      origin,
      certificate,
      serve(path, document) {
        documents.set(path, JSON.stringify(document));
        return `${origin}${path}`;
      },
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An issuer whose discovery works but whose JWKS holds only keys no token can be verified with. */
export async function startUnusableIssuer(): Promise<{ issuer: string; stop(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === "/jwks") {
      // A symmetric key and an encryption key: neither verifies a signature here.
      const keys = [{ kty: "oct", kid: "shared", k: "c2VjcmV0LXNlY3JldC1zZWNyZXQ" }, { kty: "RSA", kid: "enc", use: "enc", n: "sXch", e: "AQAB" }];
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on: an issuer that is down. */
export async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
