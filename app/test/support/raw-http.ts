import { request } from "node:http";
import { connect, type Socket } from "node:net";

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Sent as one buffer with its length, or streamed in chunks without a length when `chunked`. */
  body?: string;
  chunked?: boolean;
}

/** One HTTP request on its own connection, with full control of headers (Host included) and body framing. */
export function rawRequest(origin: string, req: RawRequest): Promise<RawAnswer> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const headers = { ...req.headers };
    if (body !== undefined && !req.chunked && !Object.keys(headers).some((name) => name.toLowerCase() === "content-length")) headers["content-length"] = String(body.length);
    const outgoing = request({ host: url.hostname, port: url.port, method: req.method ?? "POST", path: req.path ?? "/v1/mcp", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    outgoing.on("error", reject);
    if (body === undefined) outgoing.end();
    else if (!req.chunked) outgoing.end(body);
    else {
      // Stream in 64 KiB pieces so the server sees the size grow while the body arrives.
      for (let offset = 0; offset < body.length; offset += 65_536) outgoing.write(body.subarray(offset, offset + 65_536));
      outgoing.end();
    }
  });
}

/**
 * Writes `bytes` on a fresh connection, then sends nothing more; resolves with
 * what the server says before it closes (or, when `giveUpMs` passes first,
 * with status 0: the connection was still open).
 */
export function stallAfter(origin: string, bytes: string, giveUpMs = 10_000): Promise<RawAnswer & { elapsedMs: number }> {
  return exchange(origin, (socket) => socket.write(bytes), giveUpMs);
}

/** Sends `head`, then `body` one byte every `intervalMs` (a trickle); resolves with what the server says before it closes. */
export function trickle(origin: string, head: string, body: string, intervalMs: number, giveUpMs = 10_000): Promise<RawAnswer & { elapsedMs: number }> {
  return exchange(
    origin,
    (socket) => {
      socket.write(head);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= body.length || socket.destroyed) return clearInterval(timer);
        socket.write(body[sent++]!);
      }, intervalMs);
      socket.once("close", () => clearInterval(timer));
    },
    giveUpMs,
  );
}

/** One connection: `send` writes to it; the answer is parsed from everything read until the server closes it. */
function exchange(origin: string, send: (socket: Socket) => void, giveUpMs: number): Promise<RawAnswer & { elapsedMs: number }> {
  const url = new URL(origin);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error)));
    socket.on("close", () => {
      clearTimeout(giveUp);
      const received = Buffer.concat(chunks);
      const split = received.indexOf("\r\n\r\n");
      const head = (split < 0 ? received : received.subarray(0, split)).toString("latin1");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer = split < 0 ? Buffer.alloc(0) : received.subarray(split + 4);
      if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = dechunk(body);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      resolve({ status, headers, body: body.toString("utf8"), elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    send(socket);
  });
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = bytes;
  for (;;) {
    const line = rest.indexOf("\r\n");
    const size = line < 0 ? 0 : parseInt(rest.subarray(0, line).toString("latin1"), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(rest.subarray(line + 2, line + 2 + size));
    rest = rest.subarray(line + 2 + size + 2);
  }
}

/** The JSON-RPC message of an answer: the JSON body, or the last `data:` event of an SSE body. */
export function jsonRpcMessage(answer: RawAnswer): { error?: { code: number; message: string }; result?: { isError?: boolean; content?: { text?: string }[] } } {
  const type = String(answer.headers["content-type"] ?? "");
  if (type.startsWith("text/event-stream")) {
    const data = answer.body.split("\n").filter((line) => line.startsWith("data: {"));
    return JSON.parse(data.at(-1)!.slice("data: ".length));
  }
  return JSON.parse(answer.body);
}
