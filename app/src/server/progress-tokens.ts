import {
  ProtocolErrorCode,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type MessageExtraInfo,
  type Transport,
} from "@modelcontextprotocol/server";

/**
 * The progress tokens of requests in progress, per scope: a session
 * (2025-11-25) or a principal (2026-07-28, which has no session) on this
 * host. MCP: "Progress tokens MUST be unique across all active requests"
 * (2025-11-25 and 2026-07-28 progress); a second request naming a token in
 * use would have its progress mixed into the first one's.
 */
export class ProgressTokens {
  readonly #active = new Map<string, Set<string>>();

  /** False when the token is already held in this scope. */
  claim(scope: string, token: string): boolean {
    let tokens = this.#active.get(scope);
    if (tokens === undefined) this.#active.set(scope, (tokens = new Set()));
    if (tokens.has(token)) return false;
    tokens.add(token);
    return true;
  }

  release(scope: string, token: string): void {
    const tokens = this.#active.get(scope);
    tokens?.delete(token);
    if (tokens?.size === 0) this.#active.delete(scope);
  }

  get held(): number {
    return [...this.#active.values()].reduce((sum, tokens) => sum + tokens.size, 0);
  }
}

/**
 * Puts a connected transport's requests under the token rule: a request
 * whose `_meta.progressToken` is held by another request of the same scope
 * is answered -32602 at once and never reaches a handler; the token is
 * released when its request's response is sent, when the client cancels it
 * (`notifications/cancelled`: no response follows), or when the transport
 * closes. Called right after the server connected, so the SDK's own
 * `onmessage`, `send` and `onclose` are the ones wrapped.
 */
export function guardProgressTokens(transport: Transport, tokens: ProgressTokens, scopeOf: (extra: MessageExtraInfo | undefined) => string): void {
  const deliver = transport.onmessage;
  const send = transport.send.bind(transport);
  const closed = transport.onclose;
  const held = new Map<string | number, { scope: string; token: string }>();
  const release = (id: unknown) => {
    const claim = typeof id === "string" || typeof id === "number" ? held.get(id) : undefined;
    if (claim === undefined) return;
    held.delete(id as string | number);
    tokens.release(claim.scope, claim.token);
  };
  transport.onmessage = (message, extra) => {
    if (isRequest(message)) {
      const token = (message.params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
      if (typeof token === "string" || typeof token === "number") {
        const claim = { scope: scopeOf(extra), token: JSON.stringify(token) };
        if (held.has(message.id) || !tokens.claim(claim.scope, claim.token)) {
          const error = { code: ProtocolErrorCode.InvalidParams, message: `Invalid params: progress token ${claim.token} is in use by another request in progress; give each active request a token of its own` };
          void send({ jsonrpc: "2.0", id: message.id, error });
          return;
        }
        held.set(message.id, claim);
      }
    } else if (isNotification(message) && message.method === "notifications/cancelled") {
      release((message.params as { requestId?: unknown } | undefined)?.requestId);
    }
    deliver?.(message, extra);
  };
  transport.send = (message, options) => {
    if (isResponse(message)) release(message.id);
    return send(message, options);
  };
  transport.onclose = () => {
    for (const id of [...held.keys()]) release(id);
    closed?.();
  };
}

/*
 * The kind of a JSON-RPC message the transport has already validated, read
 * from its members (JSON-RPC 2.0 §4, §5): the SDK's `isJSONRPC…` guards
 * validate the whole message again with zod on every call, and on the answer
 * path of every tool call they showed in the profile.
 */
const isRequest = (message: JSONRPCMessage): message is JSONRPCRequest => "method" in message && "id" in message;
const isNotification = (message: JSONRPCMessage): message is JSONRPCNotification => "method" in message && !("id" in message);
const isResponse = (message: JSONRPCMessage): message is JSONRPCResponse => !("method" in message);
