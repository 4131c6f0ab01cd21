/**
 * What the releases pinned in a stack share on Fly. Every machine runs every
 * pinned release side by side (app/src/runtimes/release-host/), and each edge
 * color's calls are answered by the handlers of its own release: no release
 * has to serve another's Fly tools, so a Fly tool may change like any other
 * (the surface rules of pin-policy.ts apply). What the releases do share is
 * the image of `fly.release`, the host runtime: Node, the dependencies,
 * start.sh. A release built with another runtime runs its code on
 * fly.release's dependencies. That is worth a look, and said, but not refused:
 * dependency updates are compatible far more often than not, and refusing
 * them would stop every canary of one. The database the releases share has
 * its own rule (schema-rule.ts).
 */
import { pinSites } from "../pin-sites.ts";
import type { ReleaseLookup } from "../release-platform.ts";
import type { StackConfig } from "../schema.ts";

/** The host runtime of a release, when its manifest records one. */
export function runtimeOf(lookup: ReleaseLookup, release: string): string | undefined {
  return lookup.get(release)?.fly?.runtimeSha256;
}

/**
 * What is worth a look on Fly: each pinned release built for another host
 * runtime than `fly.release`, with every slot it is in. Never a refusal.
 */
export function flyContract(config: StackConfig, lookup: ReleaseLookup): string[] {
  const host = runtimeOf(lookup, config.fly.release);
  if (host === undefined) return [];
  const notes: string[] = [];
  for (const [release, sites] of pinSites(config)) {
    const runtime = runtimeOf(lookup, release);
    if (release === config.fly.release || runtime === undefined || runtime === host) continue;
    notes.push(
      `${sites.join(", ")} (${release}) was built for another Fly host runtime than fly.release ${config.fly.release} (its Dockerfile, dependencies or start.sh differ): ` +
        `on the machines its code runs on ${config.fly.release}'s image; worth a look (fly.release: ${release} gives the machines its own image)`,
    );
  }
  return notes;
}
