/**
 * A small keep-alive HTTP/1.1 client over `node:http`: what the benchmark
 * times is the server, so the client does as little as it can (one pooled
 * socket per concurrent caller, the body sent as one buffer, no parsing
 * beyond collecting the answer's bytes).
 */
import { Agent, request } from "node:http";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Below the 5 s keep-alive timeout of Node's HTTP server (ours sets the same). */
const IDLE_SOCKET_MS = 4000;

export class HttpClient {
  readonly #agent: Agent;
  readonly #origin: URL;

  constructor(origin: string, { sockets = 1 } = {}) {
    this.#origin = new URL(origin);
    // An idle socket is dropped after 4 s, before the server's 5 s keep-alive timeout can close it under
    // a request just sent on it (an ECONNRESET that is the pool's race, not the server's error).
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, keepAliveMsecs: 30_000, timeout: IDLE_SOCKET_MS });
  }

  post(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
    const bytes = Buffer.from(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.#agent,
          host: this.#origin.hostname,
          port: this.#origin.port,
          method: "POST",
          path,
          headers: { ...headers, "content-length": String(bytes.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(bytes);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
