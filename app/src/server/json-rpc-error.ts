/** JSON-RPC error codes used at the HTTP layer. */
export const JsonRpcCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Implementation-defined server error; the SDK answers a refused Host with it. */
  serverError: -32000,
  /** Server-defined: too many requests, see `data.retryAfterSeconds`. */
  rateLimited: -32029,
} as const;

/**
 * An HTTP error answered as a JSON-RPC error object, so MCP clients surface the
 * message instead of failing to parse an HTML page.
 */
export function jsonRpcErrorResponse(
  status: number,
  code: number,
  message: string,
  init: { headers?: Record<string, string>; data?: unknown; id?: string | number | null } = {},
): Response {
  const error = init.data === undefined ? { code, message } : { code, message, data: init.data };
  return new Response(JSON.stringify({ jsonrpc: "2.0", error, id: init.id ?? null }), {
    status,
    headers: { "content-type": "application/json", ...init.headers },
  });
}
