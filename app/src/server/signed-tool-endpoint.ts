import type { ToolDefinition } from "../tools/define.ts";
import { verifySignature, type ReplayGuard } from "../upstream/signing.ts";
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from "./json-depth.ts";
import { invokeTool, isLocal } from "./tool-invoker.ts";
import type { ToolHost } from "./tool-host.ts";
import { FLY_REPLAY_MAX_BYTES, replayedToWrongRegion, replayInPrimary, runsInPrimary } from "./writer-region.ts";

export interface SignedToolEndpointOptions {
  tools: readonly ToolDefinition[];
  host: ToolHost;
  /** The HMAC key shared with the edge. */
  secret: string;
  maxBodyBytes: number;
  /** Where admitted signatures are remembered; it must outlive a restart. */
  replays: ReplayGuard;
}

/** Where the edge reaches tools it does not host: `POST /tools/<name>`. */
export const SIGNED_TOOL_PATH = /^\/tools\/([a-z][a-z0-9_]{0,63})$/;

/**
 * The backend face of this runtime: the edge calls the tools placed here
 * (e.g. `fly`) with a signed request whose body is the tool's arguments, and
 * gets `{ result }` or `{ error }` back. Same contract as the Modal app.
 */
export function createSignedToolEndpoint(options: SignedToolEndpointOptions): (request: Request) => Promise<Response> {
  const byName = new Map(options.tools.filter((tool) => isLocal(tool, options.host)).map((tool) => [tool.name, tool]));
  return async (request) => {
    const url = new URL(request.url);
    const name = SIGNED_TOOL_PATH.exec(url.pathname)?.[1];
    if (request.method !== "POST") return answer(405, { error: "use POST" }, { allow: "POST" });
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > options.maxBodyBytes) return answer(413, { error: `body over ${options.maxBodyBytes} bytes` });
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > options.maxBodyBytes) return answer(413, { error: `body over ${options.maxBodyBytes} bytes` });
    const verdict = await verifySignature(options.secret, "POST", url.pathname + url.search, request.headers, body);
    if (!verdict.ok) return answer(401, { error: verdict.reason });
    if (!options.replays.admit(verdict.signature)) return answer(401, { error: "replayed request: this signature was already used" });
    const tool = name === undefined ? undefined : byName.get(name);
    if (tool === undefined) return answer(404, { error: `no tool ${JSON.stringify(name ?? url.pathname)} is served here` });
    // Stateless and signed, this request can run in any region: let Fly's proxy replay it in the primary.
    const role = options.host.region;
    if (role?.kind === "replica" && runsInPrimary(tool, role)) {
      if (request.headers.has("fly-replay-src")) return replayedToWrongRegion(tool.name, role);
      // A larger body cannot be replayed; the invoker below forwards it to the primary instead.
      if (body.byteLength <= FLY_REPLAY_MAX_BYTES) return replayInPrimary(tool.name, role);
    }
    const text = new TextDecoder().decode(body);
    if (nestsDeeperThan(text)) return answer(400, { error: TOO_DEEP_MESSAGE });
    let args: unknown;
    try {
      args = JSON.parse(text);
    } catch {
      return answer(400, { error: "the body is not valid JSON" });
    }
    const parsed = tool.input.safeParse(args);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(arguments)"}: ${issue.message}`);
      return answer(400, { error: `invalid arguments for ${tool.name}: ${issues.join("; ")}` });
    }
    // State of tools placed here is not keyed by caller (the knowledge base is shared).
    const outcome = await invokeTool(tool, parsed.data, { principal: "edge", stateKey: "edge" }, options.host, request.signal);
    if (outcome.ok) return answer(200, { result: outcome.value });
    return answer(outcome.kind === "timeout" ? 504 : 422, { error: outcome.message });
  };
}

function answer(status: number, body: object, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
}
