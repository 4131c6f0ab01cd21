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
import { UsageError } from "../cli.ts";
import type { ReleaseLookup } from "../release-platform.ts";
import { COLORS, inVersionOrder, type StackConfig } from "../schema.ts";
import { BREAKING_REFUSED } from "./compare.ts";

export interface FlyContract {
  /** Why the machines could not serve the pinned releases (none today: kept for the checks callers run). */
  problems: string[];
  /** What is worth a look: a release built for another host runtime. */
  notes: string[];
}

/** Where each release is pinned: `{ "r-…": ["v1 blue", "v2 green"] }`, the host runtime's own left out. */
function slotPins(config: StackConfig): Map<string, string[]> {
  const pins = new Map<string, string[]>();
  for (const api of inVersionOrder(Object.keys(config.apiVersions))) {
    for (const color of COLORS) {
      const release = config.apiVersions[api]!.slots[color].release;
      if (release === config.fly.release) continue;
      pins.set(release, [...(pins.get(release) ?? []), `${api} ${color}`]);
    }
  }
  return pins;
}

/** The host runtime of a release, when its manifest records one. */
export function runtimeOf(lookup: ReleaseLookup, release: string): string | undefined {
  return lookup.get(release)?.fly?.runtimeSha256;
}

export function flyContract(config: StackConfig, lookup: ReleaseLookup): FlyContract {
  const contract: FlyContract = { problems: [], notes: [] };
  const host = runtimeOf(lookup, config.fly.release);
  if (host === undefined) return contract;
  for (const [release, where] of slotPins(config)) {
    const runtime = runtimeOf(lookup, release);
    if (runtime === undefined || runtime === host) continue;
    contract.notes.push(
      `${where.join(", ")} (${release}) was built for another Fly host runtime than fly.release ${config.fly.release} (its Dockerfile, dependencies or start.sh differ): ` +
        `on the machines its code runs on ${config.fly.release}'s image; worth a look (fly.release: ${release} gives the machines its own image)`,
    );
  }
  return contract;
}

/** The refusal for a stack the machines cannot serve, if any. */
export function flyRefusal(contract: FlyContract, flyRelease: string): string | undefined {
  if (contract.problems.length === 0) return undefined;
  return `the Fly machines (host runtime fly.release ${flyRelease}) cannot serve the pinned releases:\n${contract.problems.map((problem) => `  ${problem}`).join("\n")}`;
}

/** Refuses (exit 4) a stack the machines cannot serve; returns what is worth a look. */
export function assertFlyContract(config: StackConfig, lookup: ReleaseLookup, command: string): string[] {
  const contract = flyContract(config, lookup);
  const refusal = flyRefusal(contract, config.fly.release);
  if (refusal) throw new UsageError(`${command} refused: ${refusal}`, BREAKING_REFUSED);
  return contract.notes;
}
