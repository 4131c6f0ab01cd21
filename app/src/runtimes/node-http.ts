import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { checkHost } from "../server/host-rule.ts";
import { DRAIN_LIMIT_BYTES, MAX_HEAD_BYTES, tooLargeMessage } from "../server/http-policy.ts";

/**
 * A Web-standard fetch handler. `body`, when given, is the request's body,
 * already read by the adapter: the `Request` then carries none, so the bytes
 * are not copied into a stream only to be read back out of it.
 */
export type FetchHandler = (request: Request, body?: Uint8Array) => Promise<Response>;

export interface NodeHttpOptions {
  /** Bodies larger than this are refused with 413 while they stream in. */
  maxBodyBytes: number;
  /** A client must finish sending headers within this time. */
  headersTimeoutMs: number;
  /** A client must finish sending the whole request within this time (slow-body guard). */
  requestTimeoutMs: number;
}

/**
 * A `node:http` server in front of a Web-standard fetch handler: the same
 * `Request` → `Response` code path the Worker runs. Streams SSE responses and
 * aborts the request's signal when the client goes away.
 */
export function serveFetch(handler: FetchHandler, options: NodeHttpOptions): Server {
  const server = createServer({
    // Node's default, stated: the Worker refuses the same size in code (MAX_HEAD_BYTES).
    maxHeaderSize: MAX_HEAD_BYTES,
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Node checks both limits on this interval (30 s by default): check often enough to honour them.
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(options.headersTimeoutMs / 4))),
    keepAliveTimeout: 5000,
    // A request without Host is answered by our Host rule (a JSON 400 like every other error), not by Node's bare 400.
    requireHostHeader: false,
  });
  server.on("request", (req, res) => {
    void respond(handler, req, res, options).catch((error: unknown) => {
      console.error("[http] unhandled error", error);
      if (!res.headersSent) writeJsonError(res, 500, -32603, "Internal error");
      else res.destroy();
    });
  });
  // A malformed request line or a header flood never reaches the handler; answer it as JSON too.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const message =
      status === 408
        ? `Request Timeout: headers must arrive within ${options.headersTimeoutMs} ms and the whole request within ${options.requestTimeoutMs} ms`
        : status === 431
          ? `Request Header Fields Too Large: the URL and headers are over ${MAX_HEAD_BYTES} bytes`
          : `${STATUS_CODES[status]}: ${error.code ?? "malformed request"}`;
    const body = JSON.stringify({ jsonrpc: "2.0", error: { code: -32600, message }, id: null });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}

/** RFC 9110 §7.6.1: headers meant for one connection only. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);

/** Methods a Web `Request` cannot carry (Fetch standard: forbidden methods); nothing here serves them. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

async function respond(handler: FetchHandler, req: IncomingMessage, res: ServerResponse, options: NodeHttpOptions): Promise<void> {
  const method = req.method ?? "GET";
  if (FORBIDDEN_METHODS.has(method)) {
    writeJsonError(res, 405, -32600, `Method ${method} is not allowed`, { allow: "GET, POST, DELETE, OPTIONS" });
    return;
  }
  const target = requestTarget(req);
  if (typeof target === "string") {
    writeJsonError(res, 400, -32600, target);
    return;
  }
  const headers = toHeaders(req);
  if (target.host !== undefined) headers.set("host", target.host);
  const badHost = checkHost(headers.get("host"), undefined);
  if (badHost) {
    await writeResponse(res, badHost, method);
    return;
  }
  const body = await readBody(req, options.maxBodyBytes);
  if (body === "too-large") {
    writeJsonError(res, 413, -32600, tooLargeMessage(options.maxBodyBytes));
    return;
  }
  const aborter = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) aborter.abort();
  });
  // The Host is checked above, so it cannot move the path: routing sees only the request target's path.
  const request = withSignal(new Request(`http://${headers.get("host")}${target.path}`, { method, headers }), aborter.signal);
  const response = await handler(request, body);
  await writeResponse(res, response, req.method);
}

/**
 * The request, whose `signal` is the one that aborts when its client goes
 * away. Not `new Request(url, { signal })`: Node's Request (undici) follows a
 * given signal through a WeakRef and a FinalizationRegistry, and V8's
 * young-generation collector keeps weakly held objects alive, so every
 * request's whole object graph was promoted to the old generation and freed
 * only by a full collection. Under load that made 20–25 ms scavenges every
 * half second, and they were most of the tail latency. The request carries no
 * body (the adapter has read it), so nothing of undici's own reads the signal.
 */
function withSignal(request: Request, signal: AbortSignal): Request {
  Object.defineProperty(request, "signal", { value: signal, enumerable: true });
  return request;
}

/**
 * The path (and query) of the request target. RFC 9112 §3.2: origin-form
 * (`/v1/mcp`) as clients send it; absolute-form (`http://host/v1/mcp`) must be
 * accepted too, and its authority then replaces the Host header (§3.2.2).
 * A message says what is wrong with any other form.
 */
function requestTarget(req: IncomingMessage): { path: string; host?: string } | string {
  const target = req.url ?? "/";
  if (target.startsWith("/")) return { path: target };
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      if (url.username === "" && url.password === "") return { path: `${url.pathname}${url.search}`, host: url.host };
    } catch {
      // Falls through to the refusal.
    }
  }
  return `Bad Request: the request target must be a path such as /v1/mcp, got ${JSON.stringify(target.slice(0, 100))}`;
}

/**
 * Buffers the body (MCP messages are small), refusing it once it passes the
 * limit. An oversized body is still drained (up to a bound) so the client
 * reads our 413 instead of a reset connection.
 */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined | "too-large"> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > DRAIN_LIMIT_BYTES) return "too-large";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > DRAIN_LIMIT_BYTES) break;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  if (size > maxBytes) return "too-large";
  return size === 0 ? undefined : Buffer.concat(chunks, size);
}

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

async function writeResponse(res: ServerResponse, response: Response, method: string | undefined): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    // Hop-by-hop headers are this connection's business, not the handler's: the SDK's SSE answers say
    // `connection: keep-alive`, which would keep a socket open that its client asked to close.
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  });
  if (response.body === null) {
    res.writeHead(response.status, headers).end();
    return;
  }
  // SSE (MCP) and NDJSON (signed calls, app/src/upstream/call-stream.ts) are streams: each event leaves when it is made.
  const streaming = /^(text\/event-stream|application\/x-ndjson)/.test(headers["content-type"] ?? "");
  if (!streaming) {
    // Small JSON answers: one write with a length is cheaper than chunked encoding.
    const buffer = Buffer.from(await response.arrayBuffer());
    headers["content-length"] = String(buffer.length);
    res.writeHead(response.status, headers).end(buffer);
    return;
  }
  // A GET stream may stay silent for long: its client must see the headers now. A POST stream's
  // first event follows at once, and the headers go out with it.
  if (method === "GET") res.writeHead(response.status, headers).flushHeaders();
  const reader = response.body.getReader();
  res.on("close", () => void reader.cancel().catch(() => undefined));
  // Events produced in one turn of the event loop (a tool's result right after the priming
  // event, say) leave in one write instead of one system call each.
  let pending: Uint8Array[] = [];
  const flush = (last: boolean) => {
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    if (!res.headersSent) {
      if (last) {
        // The whole stream (a POST answered at once) came before anything left: one write with a
        // length, like a JSON answer, instead of chunked encoding and a separate last chunk.
        headers["content-length"] = String(bytes.length);
        res.writeHead(response.status, headers).end(bytes);
        return;
      }
      res.writeHead(response.status, headers);
    }
    if (bytes.length > 0) res.write(bytes);
    if (last) res.end();
  };
  let scheduled = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending.push(value);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          if (!res.writableEnded) flush(false);
        });
      }
      if (res.writableNeedDrain) await new Promise((resolve) => res.once("drain", resolve));
    }
  } catch {
    // The client went away or the stream was cancelled; nothing more to send.
  } finally {
    flush(true);
  }
}

function writeJsonError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" }).end(body);
}
