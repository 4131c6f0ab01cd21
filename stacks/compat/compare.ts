/**
 * Comparing two releases' surfaces, for the commands that move pins: what
 * each needs to say when a surface is missing, and how a breaking change is
 * published instead (as a new API version, issue 15).
 */
import { MODAL_REQUIREMENTS_FILE } from "../../app/src/tools/modal-compute.ts";
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
  return [...diffSurfaces({ release: before.release, surface: surfaceOf(before) }, { release: after.release, surface: surfaceOf(after) }), ...computeFindings(before, after)];
}

const REQUIREMENTS_ARTIFACT = `modal/${MODAL_REQUIREMENTS_FILE}`;

/**
 * What clients don't see but a reviewer should: the Modal app's locked Python
 * packages, and a tool's declared compute (GPU, size, packages). Never breaking:
 * the tools answer the same calls; worth a look: they may answer differently or cost more.
 */
export function computeFindings(before: ReleaseRecord, after: ReleaseRecord): Finding[] {
  const findings: Finding[] = [];
  const locked = (record: ReleaseRecord) => record.artifacts?.[REQUIREMENTS_ARTIFACT]?.sha256;
  if (locked(before) !== undefined && locked(after) !== undefined && locked(before) !== locked(after)) {
    findings.push({ verdict: "review", tool: "(modal)", path: `$.${MODAL_REQUIREMENTS_FILE}`, reason: `the Modal app's locked Python packages changed (app/modal/${MODAL_REQUIREMENTS_FILE}): its tools run other library versions; worth a look` });
  }
  // Only between two declarations: a manifest from before compute was recorded has none, which says nothing.
  const computeOf = (record: ReleaseRecord) => new Map(record.tools.flatMap((tool) => (tool.compute ? [[tool.name, JSON.stringify(tool.compute)] as const] : [])));
  const was = computeOf(before);
  for (const [tool, now] of computeOf(after)) {
    const then = was.get(tool);
    if (then !== undefined && then !== now) {
      findings.push({ verdict: "review", tool, path: "$.compute", reason: `its declared Modal compute changed from ${then} to ${now}: its own Function is redeployed with it; worth a look (npm run cost prices it)` });
    }
  }
  return findings;
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
