/**
 * The rehearsal's internet: an HTTP proxy on 127.0.0.1 that every command of
 * the rehearsal reaches the world through (Node's own NODE_USE_ENV_PROXY with
 * HTTPS_PROXY, and NODE_EXTRA_CA_CERTS for the rehearsal's CA). A CONNECT to
 * `host:443` is answered by terminating TLS with a certificate for that host
 * and handing the request to the site the rehearsal put at that name: the fake
 * Cloudflare API at api.cloudflare.com, the fake Machines API at
 * api.machines.dev, the fake Cloudflare edge at the stack's domain, and so on.
 * Nothing else resolves: an unknown host is a 502 that names it.
 *
 * The same sites answer the Worker's own outbound fetches under workerd (through
 * Miniflare's outbound service), without TLS: `route()` is the router.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { TLSSocket, createSecureContext } from "node:tls";
import type { CertificateAuthority } from "./certificates.ts";

/** A site: answers requests for the host names it was put at. */
export type Site = (request: Request) => Promise<Response>;

export interface Internet {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY. */
  proxyUrl: string;
  /** Puts a site at an exact host name, or at every name matching a pattern. */
  host(name: string | RegExp, site: Site): void;
  /** Answers a request by its URL's host name, as the proxy would. */
  route(request: Request): Promise<Response>;
  /** Every request that went through, for what a story asserts. */
  log: { method: string; url: string; status: number }[];
  close(): Promise<void>;
}

async function toRequest(incoming: IncomingMessage, scheme: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined || name === "connection" || name === "proxy-connection" || name === "keep-alive" || name === "transfer-encoding") continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const url = /^https?:\/\//.test(incoming.url ?? "") ? incoming.url! : `${scheme}://${incoming.headers.host}${incoming.url}`;
  const body = chunks.length > 0 && !["GET", "HEAD"].includes(incoming.method ?? "GET") ? Buffer.concat(chunks) : undefined;
  return new Request(url, { method: incoming.method, headers, ...(body ? { body, duplex: "half" } : {}) } as RequestInit);
}

async function send(response: Response, out: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "content-encoding" || name === "content-length" || name === "transfer-encoding") return;
    if (name === "set-cookie") headers[name] = [...((headers[name] as string[]) ?? []), value];
    else headers[name] = value;
  });
  out.writeHead(response.status, headers);
  if (!response.body) return void out.end();
  // Streamed as it arrives: SSE answers must not wait for their end.
  const reader = response.body.getReader();
  out.on("close", () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out.write(value);
  }
  out.end();
}

export async function startInternet(authority: CertificateAuthority): Promise<Internet> {
  const sites: { name: string | RegExp; site: Site }[] = [];
  const log: Internet["log"] = [];

  const route = async (request: Request): Promise<Response> => {
    const host = new URL(request.url).hostname;
    const found = sites.find(({ name }) => (typeof name === "string" ? name === host : name.test(host)));
    if (!found) return new Response(`the rehearsal's internet has no host ${host}`, { status: 502 });
    try {
      const response = await found.site(request);
      log.push({ method: request.method, url: request.url, status: response.status });
      return response;
    } catch (error) {
      log.push({ method: request.method, url: request.url, status: 500 });
      return new Response(`site ${host} failed: ${error instanceof Error ? error.stack : String(error)}`, { status: 500 });
    }
  };

  const handle = (scheme: string) => (incoming: IncomingMessage, out: ServerResponse) => {
    toRequest(incoming, scheme)
      .then(route)
      .then((response) => send(response, out))
      .catch((error: unknown) => {
        if (!out.headersSent) out.writeHead(500).end(String(error));
        else out.destroy();
      });
  };

  // Requests that arrive inside a CONNECT tunnel, once TLS is terminated.
  const inner: Server = createServer(handle("https"));
  const proxy: Server = createServer(handle("http"));
  const sockets = new Set<Socket>();
  proxy.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  proxy.on("connect", (request: IncomingMessage, socket: Socket) => {
    const [host] = (request.url ?? "").split(":");
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    const { key, cert } = authority.certificateFor(host ?? "unknown");
    const secure = new TLSSocket(socket, { isServer: true, secureContext: createSecureContext({ key, cert }) });
    secure.on("error", () => socket.destroy());
    inner.emit("connection", secure);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;

  return {
    proxyUrl: `http://127.0.0.1:${port}`,
    host: (name, site) => void sites.push({ name, site }),
    route,
    log,
    async close() {
      for (const socket of sockets) socket.destroy();
      inner.closeAllConnections();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** A site that forwards to a local HTTP server, keeping the path and query (and the host header). */
export function forwardTo(base: string): Site {
  return async (request) => {
    const url = new URL(request.url);
    const target = new URL(url.pathname + url.search, base);
    const headers = new Headers(request.headers);
    headers.set("x-forwarded-host", url.host);
    const body = ["GET", "HEAD"].includes(request.method) ? undefined : Buffer.from(await request.arrayBuffer());
    return await fetch(target, { method: request.method, headers, ...(body ? { body } : {}), redirect: "manual" });
  };
}
