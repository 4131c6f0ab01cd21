import { deadline, readBodyText, type BodyText } from "./body-text.ts";
import { DRAIN_LIMIT_BYTES, type HttpPolicy } from "./http-policy.ts";
import { JsonRpcCode, jsonRpcErrorResponse } from "./json-rpc-error.ts";

/**
 * The MCP endpoint's body under the policy: over `maxBodyBytes` is
 * "too-large" (drained up to a bound, so the client reads our 413), still
 * arriving after `bodyTimeoutMs` is a "timeout". workerd hands the Worker a
 * request before its body is in and waits for it as long as the client
 * sends, so this deadline is what ends a body sent at 1 byte/s, or a chunked
 * one that never ends.
 */
export function readRequestBody(request: Request, policy: Pick<HttpPolicy, "maxBodyBytes" | "bodyTimeoutMs">): Promise<BodyText> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) <= policy.maxBodyBytes) return readDeclaredBody(request, policy.bodyTimeoutMs);
  return readBodyText(request, { maxBytes: policy.maxBodyBytes, timeoutMs: policy.bodyTimeoutMs, drainBytes: DRAIN_LIMIT_BYTES });
}

/**
 * A body whose length is declared and within the limit (what MCP clients
 * send): HTTP framing ends it at that length, so the runtime reads it whole,
 * raced against the deadline, instead of chunk by chunk (on the Worker the
 * chunked read was the largest part of the endpoint's own time in the
 * profile; an AbortSignal.timeout deadline measured slower than this timer).
 */
async function readDeclaredBody(request: Request, timeoutMs: number): Promise<BodyText> {
  const { late, clear } = deadline(timeoutMs);
  try {
    return await Promise.race([request.text(), late]);
  } finally {
    clear();
  }
}

/** A body the runtime has already read (Node), under the same size rule. */
export function decodeRequestBody(body: Uint8Array, maxBytes: number): BodyText {
  return body.byteLength > maxBytes ? "too-large" : new TextDecoder().decode(body);
}

/** What a client whose body did not arrive in time is told (Node's HTTP server says the same in its own words). */
export function requestTimeout(bodyTimeoutMs: number): Response {
  return jsonRpcErrorResponse(408, JsonRpcCode.invalidRequest, `Request Timeout: the request body must arrive within ${bodyTimeoutMs} ms`);
}
