/**
 * Comparing two releases' surfaces, for the commands that move pins: what
 * each needs to say when a surface is missing, and how a breaking change is
 * published instead (as a new API version, issue 15).
 */
import { UsageError } from "../cli.ts";
import type { ReleaseRecord } from "../release-platform.ts";
import type { Surface } from "../release/surface.ts";
import type { StackConfig } from "../schema.ts";
import type { Finding } from "./finding.ts";
import { diffSurfaces } from "./surface-diff.ts";

/** Exit code of a pin, promote or cutover refused because it would break clients of an existing API version. */
export const BREAKING_REFUSED = 4;

export function predatesSurface(release: string): string {
  return `release ${release} has no MCP surface in its manifest: it was built before release manifests recorded one, so there is nothing to compare (expected a release built with this npm run release:build; rebuild its commit, or compare with --against a newer release)`;
}

export function surfaceOf(record: ReleaseRecord): Surface {
  if (!record.surface) throw new UsageError(predatesSurface(record.release));
  return record.surface;
}

/** The differences from `before` to `after`; a release without a recorded surface is a UsageError. */
export function compareReleases(before: ReleaseRecord, after: ReleaseRecord): Finding[] {
  return diffSurfaces({ release: before.release, surface: surfaceOf(before) }, { release: after.release, surface: surfaceOf(after) });
}

/** The API version after the newest one: `v3` when the stack has v1 and v2. */
export function nextApiVersion(config: StackConfig): string {
  return `v${Math.max(0, ...Object.keys(config.apiVersions).map((name) => Number(name.slice(1)))) + 1}`;
}

/** How to ship `release`, which breaks `api`, without breaking `api`'s clients. */
export function howToPublish(config: StackConfig, stack: string, api: string, release: string): string {
  const next = nextApiVersion(config);
  return (
    `A breaking change ships as a new API version while ${api} keeps serving what it serves: ` +
    `npm run api:add -- --stack ${stack} --api ${next} --from ${api}, then npm run pin -- --stack ${stack} --release ${release} --api ${next}, then cut ${next} over. ` +
    `To break ${api}'s clients anyway, spell out --allow-breaking`
  );
}

/** One finding as a line: `breaking kb_put $: tool removed …`. */
export function findingLine(finding: Finding): string {
  return `${finding.verdict} ${finding.tool} ${finding.path}: ${finding.reason}`;
}
