/**
 * A Node service behind an edge that is its own authorization server (the
 * stack's `auth.mode: builtin`): the access tokens live in the edge's KV, which
 * this service cannot read, so it takes MCP only as the edge's signed calls. A
 * client that reached it directly is told where to go instead, in a JSON-RPC
 * error an MCP client shows.
 */
import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";

/** The 403 for a direct MCP request to `/<apiVersion>/mcp`, naming the edge's endpoint of that version. */
export function edgeOnlyResponse(edgeOrigin: string, apiVersion: string): Response {
  const url = `${edgeOrigin}/${apiVersion}/mcp`;
  return jsonRpcErrorResponse(403, JsonRpcCode.invalidRequest, `Forbidden: this service takes MCP from the edge only; connect to ${url}`, { data: { url } });
}
