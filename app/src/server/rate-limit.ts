import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";

/**
 * A sliding one-minute window of tool calls. It lives in memory of whatever
 * owns the session (a Durable Object on Workers), so it needs no storage
 * round trip; an eviction resets it, which only ever errs in the caller's favour.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #calls: number[] = [];

  constructor(limitPerMinute: number, windowMs = 60_000) {
    this.#limit = limitPerMinute;
    this.#windowMs = windowMs;
  }

  /** Records a call and returns 0, or returns the seconds until one is allowed. */
  take(now = Date.now()): number {
    while (this.#calls.length > 0 && this.#calls[0]! <= now - this.#windowMs) this.#calls.shift();
    if (this.#calls.length >= this.#limit) return Math.max(1, Math.ceil((this.#calls[0]! + this.#windowMs - now) / 1000));
    this.#calls.push(now);
    return 0;
  }

  get limit(): number {
    return this.#limit;
  }
}

/** Whose limit a call went over, and what it counts, as the refusal's message says them (quotas.ts). */
export interface LimitScope {
  /** e.g. "you", "your organization (org_id \"acme\")". */
  who: string;
  /** e.g. "tool calls", "calls to csv_cluster". */
  calls: string;
  /** Added to the error's `data`. */
  data?: Record<string, unknown>;
}

/** The answer to a call over the limit: 429 with `Retry-After` and a JSON-RPC error saying when to retry. */
export function rateLimitedResponse(
  limit: number,
  retryAfterSeconds: number,
  id: string | number | null,
  scope: "session" | "principal" | LimitScope = "session",
): Response {
  const { who, calls, data } = typeof scope === "object" ? scope : { who: scope === "session" ? "this session" : "this principal", calls: "tool calls", data: {} };
  const limited = typeof scope === "object" ? "Quota exceeded" : "Rate limit exceeded";
  return jsonRpcErrorResponse(
    429,
    JsonRpcCode.rateLimited,
    `${limited}: ${who} may make ${limit} ${calls} per minute; retry in ${retryAfterSeconds} s`,
    { id, data: { retryAfterSeconds, limitPerMinute: limit, ...data }, headers: { "retry-after": String(retryAfterSeconds) } },
  );
}

/** Whether a parsed JSON-RPC body is a tool call (the only thing that counts against the limit). */
export function isToolCall(body: unknown): body is { id: string | number; method: "tools/call" } {
  return typeof body === "object" && body !== null && (body as { method?: unknown }).method === "tools/call" && "id" in body;
}
