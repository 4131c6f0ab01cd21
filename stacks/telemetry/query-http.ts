/**
 * One request to a telemetry query API, with a deadline. Whatever goes wrong
 * (unreachable, no answer in time, an error status, a body that is not
 * JSON) becomes a TelemetryQueryError naming the API and what happened, so a
 * guard can say it, never mistake it for "no errors".
 */
import { TelemetryQueryError } from "./traffic.ts";

export interface QueryHttpOptions {
  /** @default 10000 */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export async function queryJson(api: string, url: string, init: RequestInit, options: QueryHttpOptions = {}): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError") throw new TelemetryQueryError(`${api} did not answer within ${timeoutMs / 1000} s`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new TelemetryQueryError(`${api} is unreachable (${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))})`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new TelemetryQueryError(`${api} did not finish its answer within ${timeoutMs / 1000} s`);
  }
  if (!response.ok) {
    const hint = response.status === 401 || response.status === 403 ? " (check the token and its permission)" : "";
    throw new TelemetryQueryError(`${api} answered HTTP ${response.status}${hint}: ${text.replace(/\s+/g, " ").slice(0, 200)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new TelemetryQueryError(`${api} answered something other than JSON: ${text.slice(0, 120)}`);
  }
}
