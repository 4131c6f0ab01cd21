import { SILENT, type CallReporter } from "../tools/context.ts";
import { McpToolResult } from "../tools/define.ts";
import type { Catalog } from "../tools/index.ts";
import { encodeEvent, parseCallPath, STREAM_CONTENT_TYPE, type CallEvent, type TerminalEvent } from "../upstream/call-stream.ts";
import { verifySignature, type ReplayGuard } from "../upstream/signing.ts";
import { notServed } from "./not-served.ts";
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from "./json-depth.ts";
import { invoke, isLocal, type Outcome } from "./invoker.ts";
import { definitionFor, operationFor } from "./signed-call-operation.ts";
import type { ToolHost } from "./tool-host.ts";
import { FLY_REPLAY_MAX_BYTES, replayedToWrongRegion, replayInPrimary, runsInPrimary } from "./writer-region.ts";

export interface SignedCallEndpointOptions {
  catalog: Catalog;
  host: ToolHost;
  /** The HMAC key shared with the edge. */
  secret: string;
  /** The release these handlers are; a call signed for another is refused, never answered with this code. */
  release: string;
  maxBodyBytes: number;
  /** Where admitted signatures are remembered; it must outlive a restart. */
  replays: ReplayGuard;
}

/** Whether a path is one the signed endpoint serves (app/src/upstream/call-stream.ts). */
export function isSignedCallPath(pathname: string): boolean {
  return parseCallPath(pathname) !== undefined;
}

/**
 * The backend face of this runtime: the edge calls the tools, prompts and
 * resources placed here with a signed request (call-stream.ts) and gets
 * their progress, log messages and result back as a stream, or one JSON
 * answer. Same contract as the Modal app. A caller that closes the
 * connection aborts the handler.
 */
export function createSignedCallEndpoint(options: SignedCallEndpointOptions): (request: Request) => Promise<Response> {
  const { catalog, host } = options;
  return async (request) => {
    const url = new URL(request.url);
    const target = parseCallPath(url.pathname);
    if (request.method !== "POST") return answer(405, { error: "use POST" }, { allow: "POST" });
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > options.maxBodyBytes) return answer(413, { error: `body over ${options.maxBodyBytes} bytes` });
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > options.maxBodyBytes) return answer(413, { error: `body over ${options.maxBodyBytes} bytes` });
    const verdict = await verifySignature(options.secret, "POST", url.pathname + url.search, request.headers, body);
    if (!verdict.ok) return answer(401, { error: verdict.reason });
    if (verdict.release !== undefined && verdict.release !== options.release) return notServed(verdict.release, [options.release]);
    if (!options.replays.admit(verdict.signature)) return answer(401, { error: "replayed request: this signature was already used" });
    const definition = target === undefined ? undefined : definitionFor(catalog, target);
    if (target === undefined || definition === undefined || !isLocal(definition, host)) {
      return answer(404, { error: `no ${target ? `${target.kind.replace(/s$/, "")} ${JSON.stringify(target.name)}` : JSON.stringify(url.pathname)} is served here` });
    }
    // Stateless and signed, this request can run in any region: let Fly's proxy replay it in the primary.
    const role = host.region;
    if (role?.kind === "replica" && runsInPrimary(definition, role)) {
      if (request.headers.has("fly-replay-src")) return replayedToWrongRegion(definition.name, role);
      // A larger body cannot be replayed; the invoker below forwards it to the primary instead.
      if (body.byteLength <= FLY_REPLAY_MAX_BYTES) return replayInPrimary(definition.name, role);
    }
    const text = new TextDecoder().decode(body);
    if (nestsDeeperThan(text)) return answer(400, { error: TOO_DEEP_MESSAGE });
    let args: unknown;
    try {
      args = JSON.parse(text);
    } catch {
      return answer(400, { error: "the body is not valid JSON" });
    }
    const operation = operationFor(catalog, target, args);
    if (typeof operation === "string") return answer(400, { error: operation });
    // State of what is placed here is not keyed by caller (the knowledge base is shared).
    const run = async (reporter: CallReporter) => {
      const outcome = await invoke(operation, { principal: "edge", stateKey: "edge" }, host, { cancel: request.signal, reporter });
      if (!outcome.ok && outcome.kind === "cancelled") host.logError?.(`signed call ${url.pathname}`, "the caller closed the connection; the handler was stopped");
      return outcome;
    };
    if ((request.headers.get("accept") ?? "").includes(STREAM_CONTENT_TYPE)) return streamed(run);
    const outcome = await run(SILENT);
    const ending = terminalEvent(outcome);
    return "error" in ending ? answer(ending.status, { error: ending.error }) : answer(200, ending);
  };
}

/** Answers at once with a stream that carries the reports as they come, then the terminal event. */
function streamed(run: (reporter: CallReporter) => Promise<Outcome>): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  let open = true;
  // A caller that left makes writes fail; from then on reports are dropped (its signal aborts the handler).
  const write = (event: CallEvent) => (open ? writer.write(encoder.encode(encodeEvent(event))).catch(() => void (open = false)) : Promise.resolve());
  const reporter: CallReporter = {
    progress: (progress, total, message) => write({ progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) }),
    log: (level, data, logger) => write({ log: level, data, ...(logger === undefined ? {} : { logger }) }),
  };
  void run(reporter).then(async (outcome) => {
    await write(terminalEvent(outcome));
    await writer.close().catch(() => undefined);
  });
  return new Response(readable, { status: 200, headers: { "content-type": STREAM_CONTENT_TYPE, "cache-control": "no-store", "x-accel-buffering": "no" } });
}

function terminalEvent(outcome: Outcome): TerminalEvent {
  if (outcome.ok) return outcome.value instanceof McpToolResult ? { mcp: outcome.value.result } : { result: outcome.value };
  const status = outcome.kind === "timeout" ? 504 : 422;
  return { error: outcome.message, status, ...(outcome.rpc ? { code: outcome.rpc.code, ...(outcome.rpc.data === undefined ? {} : { data: outcome.rpc.data }) } : {}) };
}

function answer(status: number, body: object, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
}
