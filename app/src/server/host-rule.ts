import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";

/**
 * Host names a server answers to, whatever the port: `localhost` stands for
 * localhost, 127.0.0.1 and [::1]; anything else is a list of host names
 * (an IPv6 address in brackets).
 */
export type AllowedHosts = readonly string[] | "localhost";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/**
 * RFC 9110 §7.2: `Host = uri-host [ ":" port ]`. Only a registered name or an
 * IP literal and a port: nothing that could carry a path, a fragment or user
 * info into a URL built from it.
 */
const HOST_SYNTAX = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9.])?|\[[0-9a-f:.]{2,45}\])(?::[0-9]{1,5})?$/i;

/** Parses a comma-separated allowlist; `localhost` (the default) stands for the loopback names. */
export function parseAllowedHosts(value: string): AllowedHosts {
  if (value.trim() === "localhost") return "localhost";
  return value.split(",").map((part) => part.trim().toLowerCase()).filter(Boolean);
}

/**
 * Host names already parsed: a server sees the same few Host values on every
 * request, and parsing one takes a URL (which normalizes IP literals the way
 * browsers do). Bounded, so a client sending ever new values cannot grow it.
 */
const parsedHosts = new Map<string, string | undefined>();
const PARSED_HOSTS_KEPT = 64;

/** The host name of a syntactically valid Host header value, lower-cased and without the port; `undefined` if invalid. */
export function hostNameOf(host: string | null): string | undefined {
  if (host === null) return undefined;
  if (parsedHosts.has(host)) return parsedHosts.get(host);
  const hostname = parseHostName(host);
  if (parsedHosts.size >= PARSED_HOSTS_KEPT) parsedHosts.clear();
  parsedHosts.set(host, hostname);
  return hostname;
}

function parseHostName(host: string): string | undefined {
  if (!HOST_SYNTAX.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The Host rule both runtimes apply before anything else: a missing or
 * malformed Host is a bad request (400); a host not in the allowlist is
 * refused (403), which is what stops DNS rebinding of a local server
 * (MCP spec, security best practices: "local MCP server compromise").
 * `allowed` undefined checks the syntax only. Returns the refusal, or nothing.
 */
export function checkHost(host: string | null, allowed: AllowedHosts | undefined): Response | undefined {
  const hostname = hostNameOf(host);
  if (hostname === undefined) {
    const shown = host === null ? "missing" : JSON.stringify(host.slice(0, 100));
    return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, `Bad Request: the Host header (${shown}) must be a host name or IP address with an optional port`);
  }
  if (allowed === undefined) return undefined;
  const names = allowed === "localhost" ? LOOPBACK_NAMES : allowed;
  if (names.includes(hostname)) return undefined;
  return jsonRpcErrorResponse(403, JsonRpcCode.serverError, `Forbidden: Invalid Host: ${hostname} is not served here (allowed: ${names.join(", ")})`);
}
