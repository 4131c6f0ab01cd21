/**
 * The HTTP client of the Fly Machines API: JSON in and out, the token read from
 * the environment at the moment each request is sent, bounded retries of 429 and
 * 5xx with exponential backoff, jitter and `Retry-After`.
 */
import { FlyApiError, FlyTokenMissingError, flyMessageOf } from "./errors.ts";
import { backoffDelay, type Timing } from "./timing.ts";

export const defaultApiBaseUrl = "https://api.machines.dev/v1";

export interface FlyRequest {
  /** A JSON body. */
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /**
   * Whether sending the request twice does no harm (GET, DELETE, a bulk secrets
   * set). Only such requests are retried after a 5xx, a timeout or a reset
   * connection; every request is retried after a 429, which Fly answers before
   * doing anything.
   */
  idempotent: boolean;
  /** Overrides `timing.requestTimeoutMs` (the wait endpoint holds for up to 60 s). */
  timeoutMs?: number;
}

export interface FlyResponse<T> {
  status: number;
  body: T;
}

export interface FlyClientOptions {
  baseUrl: string;
  timing: Timing;
  /** Where the token is read from, at call time. @default process.env */
  env?: Record<string, string | undefined>;
}

/** `FLY_API_TOKEN`, else `FLY_ACCESS_TOKEN`, without the scheme it may be written with (`FlyV1 fm2_…`). */
export function flyTokenFrom(env: Record<string, string | undefined>): string {
  const raw = (env["FLY_API_TOKEN"] ?? env["FLY_ACCESS_TOKEN"] ?? "").trim();
  const token = raw.replace(/^(bearer|flyv1)\s+/i, "").trim();
  if (token === "") throw new FlyTokenMissingError();
  return token;
}

/** The token as an Authorization header value of the Machines API. */
export function authorizationFrom(env: Record<string, string | undefined>): string {
  const token = flyTokenFrom(env);
  // Macaroon tokens (`fly tokens create org` prints "FlyV1 fm2_…") take the FlyV1 scheme (fly-go auth.go).
  const isMacaroon = token.split(",").some((part) => /^(fm1r|fm1a|fm2)_/.test(part.trim()));
  return `${isMacaroon ? "FlyV1" : "Bearer"} ${token}`;
}

export class FlyClient {
  readonly baseUrl: string;
  readonly timing: Timing;
  readonly #env: Record<string, string | undefined>;

  constructor(options: FlyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.timing = options.timing;
    this.#env = options.env ?? process.env;
  }

  async request<T>(method: string, path: string, request: FlyRequest): Promise<FlyResponse<T>> {
    const { retry, sleep, random } = this.timing;
    for (let attempt = 1; ; attempt++) {
      let failure: FlyApiError;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.#send(method, path, request);
        if (response.ok) {
          return { status: response.status, body: parseBody(await response.text()) as T };
        }
        failure = new FlyApiError(method, path, response.status, flyMessageOf(await response.text()));
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.timing.now());
      } catch (error) {
        if (error instanceof FlyTokenMissingError) throw error;
        failure = new FlyApiError(method, path, 0, describeNetworkError(error));
      }
      // A 408 is ambiguous for a create, but the wait endpoint answers it to say "not yet": wait.ts asks again.
      const retryable = failure.status === 429 || (failure.ambiguous && failure.status !== 408 && request.idempotent);
      if (!retryable || attempt >= retry.attempts) throw failure;
      await sleep(Math.max(retryAfterMs ?? 0, backoffDelay(retry, attempt, random)));
    }
  }

  async #send(method: string, path: string, request: FlyRequest): Promise<Response> {
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization: authorizationFrom(this.#env),
      ...request.headers,
    };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    return await fetch(this.#url(path, request.query), {
      method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs ?? this.timing.requestTimeoutMs),
    });
  }

  #url(path: string, query: FlyRequest["query"]): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.href;
  }
}

function parseBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `Retry-After` is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "request timed out";
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${error.message} (${cause.code})`;
    return error.message;
  }
  return String(error);
}

/** Encodes one path segment (app names, ids, IP addresses). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
