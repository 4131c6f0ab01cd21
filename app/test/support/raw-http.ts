import { request } from "node:http";
import { connect } from "node:net";

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

/** Writes `bytes` on a fresh connection, then sends nothing more; resolves with what the server says before it closes. */
export function stallAfter(origin: string, bytes: string): Promise<RawAnswer & { elapsedMs: number }> {
  const url = new URL(origin);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", body = ""] = received.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, headers: {}, body, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    socket.write(bytes);
  });
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
