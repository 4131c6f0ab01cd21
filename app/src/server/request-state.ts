import { createRequestStateCodec, type RequestStateCodec } from "@modelcontextprotocol/server";
import { principalOf } from "../auth/caller.ts";

/**
 * The seal on multi-round `requestState` (2026-07-28, SEP-2322): the client
 * echoes it back on its retry, so it is attacker-controlled input and MUST
 * be integrity-protected. Every server of the host verifies it before a
 * handler runs (a bad seal is -32602), and a state sealed for one principal
 * is refused for another. The key is derived from the upstream secret when
 * there is one, so every instance of a deployment (Worker isolates, Fly
 * machines) accepts what another sealed; otherwise it is made per process.
 */
export function createRequestState(upstreamSecret: string | undefined, defaultPrincipal: string): RequestStateCodec<Record<string, unknown>> {
  const key = upstreamSecret === undefined ? crypto.getRandomValues(new Uint8Array(32)) : `mcp-hosting request state\n${upstreamSecret}`;
  return createRequestStateCodec<Record<string, unknown>>({
    key,
    bind: (ctx) => principalOf(ctx.http?.authInfo) ?? defaultPrincipal,
  });
}
