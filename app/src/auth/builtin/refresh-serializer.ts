/**
 * Refresh-token rotation, one at a time per user, and idempotent for a moment.
 *
 * The library rotates a refresh token with a read-modify-write of the grant
 * in KV, without a lock or a compare-and-swap (oauth-provider.js, the
 * refresh_token grant; cloudflare/workers-oauth-provider#214, open for 1.2.3).
 * Two refreshes with the same token at once both read the grant, both mint a
 * new refresh token, and the last write wins: the other client's new token is
 * in no record and fails its next refresh with invalid_grant. Run one at a
 * time, the second refresh would still rotate again (the first one's token is
 * "previous" by then) and drop the first client's new token the same way.
 *
 * So the principal's Durable Object runs rotations of its grants one at a
 * time, and answers a refresh it has just answered (the same token, client and
 * parameters, within REPLAY_MS) with the same response: both callers hold the
 * same new pair, which is current. The replayed response is kept in memory
 * only: tokens are never written anywhere but the library's hashed records.
 */

/** How long an answered refresh is replayed to a second caller presenting the same request. */
export const REPLAY_MS = 30_000;

interface Answered {
  at: number;
  status: number;
  headers: [string, string][];
  body: string;
}

export class RefreshSerializer {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #answered = new Map<string, Answered>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Runs `rotate` after every rotation before it, or replays the answer to the same request made within REPLAY_MS. */
  run(request: Request, rotate: (request: Request) => Promise<Response>): Promise<Response> {
    const turn = this.#tail.then(async () => {
      const body = await request.text();
      const key = await requestKey(body, request.headers.get("authorization"));
      this.#forgetOld();
      const seen = this.#answered.get(key);
      if (seen) return replay(seen);
      const response = await rotate(new Request(request.url, { method: "POST", headers: request.headers, body }));
      if (response.status !== 200) return response;
      const answered = { at: this.#now(), status: response.status, headers: [...response.headers], body: await response.text() };
      this.#answered.set(key, answered);
      return replay(answered);
    });
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  #forgetOld(): void {
    const oldest = this.#now() - REPLAY_MS;
    for (const [key, answered] of this.#answered) if (answered.at < oldest) this.#answered.delete(key);
  }
}

function replay(answered: Answered): Response {
  return new Response(answered.body, { status: answered.status, headers: answered.headers });
}

/** A digest of everything that makes two refresh requests the same: the form (token, client, scope, resource) and the client's credentials. */
async function requestKey(body: string, authorization: string | null): Promise<string> {
  const form = [...new URLSearchParams(body)].sort(([a], [b]) => a.localeCompare(b));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify([form, authorization])));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** The user a refresh token belongs to: the library's tokens are `<userId>:<grantId>:<secret>`. */
export function refreshTokenUser(refreshToken: string): string | undefined {
  const parts = refreshToken.split(":");
  return parts.length === 3 && parts[0] ? parts[0] : undefined;
}
