/**
 * The era of the requests the SDK's classification (`isLegacyRequest`,
 * `classifyInboundRequest` in @modelcontextprotocol/server) decides plainly,
 * decided here by the same rules without it: for a request, that
 * classification first asks zod whether the body is a JSON-RPC *response*,
 * and the failed parse (an error object built and thrown away) was a tenth of
 * the Worker's time per call in the profile. Anything less plain is left to
 * the SDK (`undefined`), so the two can never disagree.
 *
 * - A request (not `initialize`) whose params carry the 2026-07-28 envelope
 *   claim (`_meta["io.modelcontextprotocol/protocolVersion"]`, present in any
 *   form) is never legacy: the SDK serves it modern or rejects it on the
 *   modern ladder.
 * - A request with exactly the JSON-RPC members, an id, no `_meta` at all and
 *   no modern MCP-Protocol-Version header is legacy ("no-claim").
 */

/** The SDK's FIRST_MODERN_PROTOCOL_VERSION: revisions compare as dates, and from this one on they are modern. */
const FIRST_MODERN_REVISION = "2026-07-28";
const ENVELOPE_CLAIM = "io.modelcontextprotocol/protocolVersion";
const REQUEST_MEMBERS = new Set(["jsonrpc", "id", "method", "params"]);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

export function plainEra(httpMethod: string, body: unknown, protocolVersionHeader: string | null): "legacy" | "modern" | undefined {
  if (httpMethod !== "POST" || !isPlainObject(body)) return undefined;
  const { method, params, id } = body;
  if (typeof method !== "string" || method === "initialize" || "result" in body || "error" in body) return undefined;
  if (params !== undefined && !isPlainObject(params)) return undefined;
  const meta = params?.["_meta"];
  if (isPlainObject(meta) && ENVELOPE_CLAIM in meta) return "modern";
  if (meta !== undefined || body["jsonrpc"] !== "2.0") return undefined;
  if (!(typeof id === "string" || Number.isInteger(id))) return undefined;
  if (Object.keys(body).some((key) => !REQUEST_MEMBERS.has(key))) return undefined;
  // HTTP's optional whitespace around a header value, as the SDK strips it.
  const version = protocolVersionHeader?.replace(/^[ \t]+|[ \t]+$/g, "");
  if (version !== undefined && version >= FIRST_MODERN_REVISION) return undefined;
  return "legacy";
}
