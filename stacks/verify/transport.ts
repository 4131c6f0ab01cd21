/**
 * The transport of a session our own tooling opens (verify, eval): its calls name themselves
 * (W3C baggage), so the guard judges agents' traffic without them.
 */
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { BAGGAGE_KEYS } from "../../app/src/telemetry/conventions.ts";

export function syntheticTransport(url: URL, headers: Record<string, string> = {}): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(url, { requestInit: { headers: { baggage: `${BAGGAGE_KEYS.synthetic}=1`, ...headers } } });
}
