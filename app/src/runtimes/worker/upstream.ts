import type { Placement } from "../../tools/define.ts";
import type { UpstreamOrigin } from "../../upstream/client.ts";
import type { WorkerSettings } from "./env.ts";

/** Where this Worker reaches the placements it does not host; a placement without origin or key is left out. */
export function upstreamOrigins(settings: WorkerSettings): Partial<Record<Placement, UpstreamOrigin>> {
  const secret = settings.MCP_UPSTREAM_SECRET;
  if (secret === undefined) return {};
  return {
    // Fly runs every pinned release; this color's calls must reach this color's handlers there.
    ...(settings.FLY_ORIGIN ? { fly: { url: settings.FLY_ORIGIN, secret, release: settings.RELEASE } } : {}),
    ...(settings.MODAL_URL ? { modal: { url: settings.MODAL_URL, secret } } : {}),
  };
}
