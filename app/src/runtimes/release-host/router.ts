/**
 * The release host's front: every request to the machine arrives here and is
 * passed, unchanged and streamed both ways, to the process of the release it
 * names. The edge signs the release into each call (x-mcp-release,
 * app/src/upstream/signing.ts), so a color's calls run that color's handlers;
 * the release's own server checks the signature. A call naming a release this
 * machine does not serve gets 409 with the ones it does, once its signature
 * proves it came from the edge; a call naming none (a client of the Fly app
 * itself) goes to the direct release, the live color's.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as httpRequest } from "node:http";
import { notServed } from "../../server/not-served.ts";
import { RELEASE_HEADER, verifySignature } from "../../upstream/signing.ts";
import type { ReleaseProcess } from "./release-process.ts";

export interface ReleaseRouterOptions {
  releases: ReadonlyMap<string, ReleaseProcess>;
  /** The release of calls naming none: read per call, since a cutover moves it without a restart. */
  directRelease: () => string;
  hostRelease: string;
  /** The key the edge signs with; without it no signed call is admitted. */
  secret: string | undefined;
  /** How long a call waits for its release's process to come (back) up before a 503. @default 15000 */
  startWaitMs?: number;
}

/** The most of a refused call's body read to check its signature (the servers' own cap is 4 MiB too). */
const MAX_REFUSED_BODY_BYTES = 4 * 1024 * 1024;

export function createReleaseRouter(options: ReleaseRouterOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const served = [...options.releases.keys()];
  const startWaitMs = options.startWaitMs ?? 15_000;
  return (request, response) => {
    const named = request.headers[RELEASE_HEADER];
    if (request.url === "/healthz" && named === undefined) return health(options, response);
    const release = typeof named === "string" ? named : options.directRelease();
    const target = options.releases.get(release);
    // One bad request (a body that breaks off, a header Node refuses to pass on) ends that request only: never the host, which serves every release.
    const failed = (error: unknown) => {
      if (response.headersSent) return void response.destroy();
      json(response, 502, { error: `the release host could not pass the call on (${(error as Error).message})` });
    };
    if (!target) return void refuse(request, response, release, served, options.secret).catch(failed);
    void target
      .whenUp(startWaitMs)
      .then((origin) => {
        if (origin === undefined) {
          const why = target.lastRestart ? ` (last restart: ${target.lastRestart})` : "";
          return json(response, 503, { error: `release ${release} is ${target.state === "stopped" ? "stopping" : "starting"} on this machine${why}; try again shortly` }, { "retry-after": "2" });
        }
        forward(request, response, origin, target);
      })
      .catch(failed);
  };
}

function forward(request: IncomingMessage, response: ServerResponse, origin: string, target: ReleaseProcess): void {
  const { hostname, port } = new URL(origin);
  const upstream = httpRequest({ hostname, port, method: request.method, path: request.url, headers: request.headers });
  upstream.on("response", (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
    // Streams (SSE, the signed call's events) must reach the caller as they are written.
    response.flushHeaders();
    answer.pipe(response);
  });
  upstream.on("error", (error) => {
    if (response.headersSent) return void response.destroy(error);
    // Read after the exit is seen: a memory restart says why the call was lost.
    setTimeout(() => {
      const why = target.state === "up" ? error.message : `its process ended${target.lastRestart ? `: ${target.lastRestart}` : ""}`;
      json(response, 502, { error: `release ${target.release} dropped the call (${why})` });
    }, 50);
  });
  // A caller that leaves closes the server's request too: the handler is aborted, as without the host.
  response.on("close", () => {
    if (!response.writableFinished) upstream.destroy();
  });
  request.pipe(upstream);
}

/** 409 for an edge-signed call naming a release not served; 401 for anything whose signature fails. */
async function refuse(request: IncomingMessage, response: ServerResponse, release: string, served: string[], secret: string | undefined): Promise<void> {
  if (secret === undefined) return json(response, 401, { error: "signed calls are not accepted here (MCP_UPSTREAM_SECRET is not set)" });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_REFUSED_BODY_BYTES) return json(response, 413, { error: `body over ${MAX_REFUSED_BODY_BYTES} bytes` });
    chunks.push(chunk);
  }
  const body = new Uint8Array(Buffer.concat(chunks));
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
  const verdict = await verifySignature(secret, request.method ?? "GET", request.url ?? "/", headers, body);
  if (!verdict.ok) return json(response, 401, { error: verdict.reason });
  const refusal = notServed(release, served);
  response.writeHead(refusal.status, Object.fromEntries(refusal.headers));
  response.end(await refusal.text());
}

function health(options: ReleaseRouterOptions, response: ServerResponse): void {
  const releases = [...options.releases.values()].map((process) => ({
    release: process.release,
    state: process.state,
    restarts: process.restarts,
    ...(process.lastRestart ? { lastRestart: process.lastRestart } : {}),
  }));
  // Fly's check judges the machine by the direct release: another release restarting is reported, not fatal.
  const direct = options.directRelease();
  const ok = options.releases.get(direct)?.state === "up";
  json(response, ok ? 200 : 503, { ok, release: options.hostRelease, direct, releases });
}

function json(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  response.end(JSON.stringify(body));
}
