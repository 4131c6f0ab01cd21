import { readBodyText } from "../server/body-text.ts";
import { signRequest } from "./signing.ts";

/** Where a runtime reaches the placements it does not host. */
export interface UpstreamOrigin {
  /** e.g. `https://mcp-hosting-prod.fly.dev` or the Modal app's web endpoint. */
  url: string;
  /** The HMAC key shared with that origin. */
  secret: string;
}

/** A remote tool call that failed; its message is safe to show to the model. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
}

/**
 * Calls `POST <origin>/tools/<name>` with the tool's arguments, signed, and
 * returns the `result` member of the JSON answer. Times out and honours the
 * caller's abort signal; every failure becomes an {@link UpstreamError} that
 * names the tool and what went wrong, never the secret.
 */
export async function callUpstreamTool(
  origin: UpstreamOrigin,
  tool: string,
  args: unknown,
  options: { timeoutMs: number; signal?: AbortSignal; fetch?: typeof fetch },
): Promise<unknown> {
  const base = new URL(origin.url);
  const path = `${base.pathname.replace(/\/$/, "")}/tools/${encodeURIComponent(tool)}`;
  const body = new TextEncoder().encode(JSON.stringify(args ?? {})) as Uint8Array<ArrayBuffer>;
  const headers = await signRequest(origin.secret, "POST", path, body);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException("deadline", "TimeoutError")), options.timeoutMs);
  const signals = [deadline.signal, ...(options.signal ? [options.signal] : [])];
  try {
    return await send(new URL(path, base), headers, body, AbortSignal.any(signals), tool, options);
  } finally {
    clearTimeout(timer);
  }
}

async function send(
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array<ArrayBuffer>,
  signal: AbortSignal,
  tool: string,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<unknown> {
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", accept: "application/json" },
      body,
      signal,
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new UpstreamError(
      timedOut
        ? `${tool}: the ${url.host} backend did not answer within ${options.timeoutMs} ms`
        : `${tool}: the ${url.host} backend is unreachable (${describe(error)})`,
    );
  }
  const text = await readBodyText(response, { maxBytes: MAX_ANSWER_BYTES });
  if (text === "too-large" || text === "timeout") {
    throw new UpstreamError(`${tool}: the ${url.host} backend answered with more than ${MAX_ANSWER_BYTES / (1024 * 1024)} MiB`);
  }
  let payload: { result?: unknown; error?: unknown } | undefined;
  try {
    payload = JSON.parse(text) as typeof payload;
  } catch {
    payload = undefined;
  }
  if (!response.ok) {
    const reason = typeof payload?.error === "string" ? payload.error : `HTTP ${response.status}`;
    throw new UpstreamError(`${tool}: ${reason}`);
  }
  if (payload === undefined || !("result" in payload)) {
    throw new UpstreamError(`${tool}: the ${url.host} backend answered with something other than a JSON result`);
  }
  return payload.result;
}

/**
 * The largest answer read from a backend. Parsing and re-sending a huge
 * answer blocks the event loop, and then no timeout fires: a 149 MB profile
 * once held a server for minutes past its 30 s tool timeout.
 */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? error.message;
  }
  return String(error);
}
