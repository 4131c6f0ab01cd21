import type { Placement } from "../tools/define.ts";
import type { UpstreamOrigin } from "../upstream/client.ts";

/**
 * Where this server stands among the Fly regions. Every region has its own
 * SQLite; only the primary's holds the knowledge base that `fly` tools
 * write. A server with no region (local use) is its own primary.
 */
export type RegionRole =
  | { kind: "primary"; region?: string }
  | {
      kind: "replica";
      region: string;
      primaryRegion: string;
      /** The primary's signed tool endpoint, over Fly's private network. */
      primary: UpstreamOrigin;
      /** Whether this region holds a follower copy of the primary's knowledge base to read from. */
      localReads: () => boolean;
    };

/** Fly's proxy replays no request larger than 1 MB. */
export const FLY_REPLAY_MAX_BYTES = 1_000_000;

/**
 * Whether a call of this tool (prompt, resource) must run in the primary
 * region: every `fly` tool that writes, and the `fly` reads too while this
 * region has no copy of the primary's data (its own SQLite would answer
 * "nothing found").
 */
export function runsInPrimary(definition: { placement: Placement; writes?: boolean }, role: RegionRole): boolean {
  if (role.kind === "primary" || definition.placement !== "fly") return false;
  return definition.writes === true || !role.localReads();
}

/**
 * The answer that makes Fly's proxy replay the request in the primary
 * region (`fly-replay: region=<primary>`). The proxy never forwards it to
 * the caller; a caller that does see it reached this machine without Fly's
 * proxy, so the body says what happened.
 */
export function replayInPrimary(tool: string, role: Extract<RegionRole, { kind: "replica" }>): Response {
  const body = {
    error: `${tool} runs in the primary region ${role.primaryRegion}, not in ${role.region}: Fly's proxy replays this request there (fly-replay)`,
  };
  return new Response(JSON.stringify(body), {
    status: 409,
    headers: { "content-type": "application/json", "cache-control": "no-store", "fly-replay": `region=${role.primaryRegion}` },
  });
}

/**
 * A request Fly already replayed once (it carries `fly-replay-src`) that
 * still reached a non-primary region: replaying again could loop, so it is
 * refused with the reason.
 */
export function replayedToWrongRegion(tool: string, role: Extract<RegionRole, { kind: "replica" }>): Response {
  const body = {
    error: `${tool} was replayed to ${role.region}, but it runs in the primary region ${role.primaryRegion}; is a machine running there?`,
  };
  return new Response(JSON.stringify(body), { status: 503, headers: { "content-type": "application/json", "cache-control": "no-store", "retry-after": "5" } });
}
