// The servers the corpus attacks, set up as in production but with short limits: Node with its compute runner, and the Worker in workerd calling both.
import assert from "node:assert/strict";
import { startEdgeWorker, type EdgeWorker } from "../edge-worker.ts";
import { jsonRpcMessage, rawRequest, stallAfter, trickle, type RawAnswer } from "../raw-http.ts";
import { startServer, type ServerProcess } from "../server-process.ts";
import { ALICE, ALLOWED_ORIGIN, BOB, BOB_AUTH, call, initialize, JSON_POST, post, UPSTREAM_SECRET, type Runtime, type Send, type Target } from "./shape.ts";

export const HEADERS_TIMEOUT_MS = 400;
export const REQUEST_TIMEOUT_MS = 1200;

const TOKENS = `alice=${ALICE},bob=${BOB}`;

export interface Servers {
  node: ServerProcess;
  /** The Node server's compute runner (the Modal stand-in). */
  modalUrl: string;
  edge: EdgeWorker;
}

/** Node with its compute runner, and the Worker whose fly and modal tools reach them, signed. */
export async function startServers(): Promise<Servers> {
  const node = await startServer({
    env: {
      MCP_AUTH_TOKEN: TOKENS,
      MCP_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      MCP_UPSTREAM_SECRET: UPSTREAM_SECRET,
      MCP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      MCP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    },
  });
  const modalUrl = /compute (http:\/\/[\d.:]+)/.exec(node.output())?.[1];
  assert.ok(modalUrl, `the compute runner started:\n${node.output()}`);
  const edge = await startEdgeWorker({
    bindings: {
      MCP_AUTH_TOKEN: TOKENS,
      MCP_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      FLY_ORIGIN: node.origin,
      MODAL_URL: modalUrl,
      MCP_UPSTREAM_SECRET: UPSTREAM_SECRET,
      MCP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      // The corpus makes hundreds of calls a minute in one session; the limit is tested elsewhere.
      RATE_LIMIT_PER_MINUTE: "100000",
    },
  });
  return { node, modalUrl, edge };
}

/** Opens a 2025-11-25 session for the token's principal; its headers. */
async function openSession(origin: string, auth: Record<string, string>): Promise<Record<string, string>> {
  const opened = await rawRequest(origin, post(initialize(), { ...JSON_POST, ...auth }));
  assert.equal(opened.status, 200, opened.body);
  const session = { "mcp-session-id": String(opened.headers["mcp-session-id"]), "mcp-protocol-version": "2025-11-25" };
  assert.equal((await rawRequest(origin, post({ jsonrpc: "2.0", method: "notifications/initialized" }, { ...JSON_POST, ...auth, ...session }))).status, 202);
  return session;
}

/**
 * A runtime under attack, with what must survive every case: a session of
 * Alice's kept for ordinary calls, a note it acknowledged, and a
 * knowledge-base entry acknowledged for this runtime.
 */
export class Victim {
  readonly target: Target;
  readonly #standing: Record<string, string>;
  readonly #ackKey: string;

  private constructor(target: Target, standing: Record<string, string>, ackKey: string) {
    this.target = target;
    this.#standing = standing;
    this.#ackKey = ackKey;
  }

  static async open(runtime: Runtime, origin: string): Promise<Victim> {
    const standing = await openSession(origin, {});
    const target: Target = {
      runtime,
      origin,
      host: new URL(origin).host,
      session: await openSession(origin, {}),
      bobSession: await openSession(origin, BOB_AUTH),
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    };
    const victim = new Victim(target, standing, `acknowledged/${runtime}`);
    victim.#assertResult(await victim.#call("note_add", { text: "acknowledged before the attack" }));
    victim.#assertResult(await victim.#call("kb_put", { key: victim.#ackKey, title: "Acknowledged", body: `written through ${runtime} before the attack`, tags: [] }));
    return victim;
  }

  /** Sends a case's bytes the way it asks to be sent. */
  send(request: Send): Promise<RawAnswer & { elapsedMs?: number }> {
    if ("bytes" in request) return stallAfter(this.target.origin, request.bytes);
    if ("trickle" in request) return trickle(this.target.origin, request.head, request.trickle, request.intervalMs);
    return rawRequest(this.target.origin, request);
  }

  /** After a case: the server is healthy, an ordinary call works, and the acknowledged note and entry are still there. */
  async assertUnharmed(after: string): Promise<void> {
    const health = await rawRequest(this.target.origin, { method: "GET", path: "/healthz" });
    assert.equal(health.status, 200, `unhealthy after ${after}`);
    const echo = this.#assertResult(await this.#call("echo", { text: `still here after ${after}` }));
    assert.equal(echo.content[0].text, `still here after ${after}`);
    const notes = this.#assertResult(await this.#call("note_list", {})).structuredContent.notes.map((note: { text: string }) => note.text);
    assert.ok(notes.includes("acknowledged before the attack"), `the acknowledged note was lost after ${after}`);
    const hits = this.#assertResult(await this.#call("kb_search", { query: "acknowledged attack" })).structuredContent.hits.map((hit: { key: string }) => hit.key);
    assert.ok(hits.includes(this.#ackKey), `the acknowledged entry was lost after ${after}: ${hits}`);
  }

  #call(name: string, args: unknown): Promise<RawAnswer> {
    return rawRequest(this.target.origin, post(call(name, args), { ...JSON_POST, ...this.#standing }));
  }

  #assertResult(answer: RawAnswer): any {
    assert.equal(answer.status, 200, answer.body.slice(0, 300));
    const message = jsonRpcMessage(answer) as { result?: { isError?: boolean; content: { text: string }[] } };
    assert.ok(message.result && !message.result.isError, answer.body.slice(0, 300));
    return message.result;
  }
}
