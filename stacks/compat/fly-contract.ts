/**
 * One Fly release serves the Fly-placed tools of every API version and both
 * colors at once: each pinned edge release validates a call with its own
 * schema and forwards it (app/src/server/tool-invoker.ts), and the Fly
 * service validates it again with its own (app/src/server/signed-tool-endpoint.ts).
 * So the pinned Fly release must serve every Fly tool of every pinned edge
 * release, accepting every call that release accepts and answering within the
 * output it promises. `plan` and `pin` check this; `--allow-breaking` does not
 * lift it, since such a pair fails every such call whatever its clients agreed to.
 */
import { UsageError } from "../cli.ts";
import type { ReleaseLookup, ReleaseRecord } from "../release-platform.ts";
import { COLORS, inVersionOrder, type StackConfig } from "../schema.ts";
import { BREAKING_REFUSED, findingLine } from "./compare.ts";
import { checkSurface, diffTool } from "./surface-diff.ts";

export interface FlyContract {
  /** Every way the Fly release fails a pinned edge release. */
  problems: string[];
  /** Pairs that could not be compared here, and why. */
  notes: string[];
}

/** Where each edge release is pinned: `{ "r-…": ["v1 blue", "v2 green"] }`, the Fly release itself left out. */
function edgePins(config: StackConfig): Map<string, string[]> {
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

export function flyContract(config: StackConfig, lookup: ReleaseLookup): FlyContract {
  const contract: FlyContract = { problems: [], notes: [] };
  const flyRelease = config.fly.release;
  const pins = edgePins(config);
  if (pins.size === 0) return contract;
  const fly = lookup.get(flyRelease);
  if (!fly?.surface) {
    const why = fly ? `it was built before manifests recorded the MCP surface` : lookup.why(flyRelease);
    contract.notes.push(`fly.release ${flyRelease}: its Fly tools were not compared with the pinned edge releases: ${why}`);
    return contract;
  }
  checkSurface({ release: fly.release, surface: fly.surface });
  for (const [release, where] of pins) {
    const edge = lookup.get(release);
    const at = `${where.join(", ")} (${release})`;
    if (!edge?.surface) {
      const why = edge ? `it was built before manifests recorded the MCP surface` : lookup.why(release);
      contract.notes.push(`${at}: its Fly tools were not compared with fly.release ${flyRelease}: ${why}`);
      continue;
    }
    checkSurface({ release: edge.release, surface: edge.surface });
    contract.problems.push(...problemsOf(edge, fly, at));
  }
  return contract;
}

function problemsOf(edge: ReleaseRecord, fly: ReleaseRecord, at: string): string[] {
  const problems: string[] = [];
  for (const { name } of edge.tools.filter((tool) => tool.placement === "fly")) {
    const sent = edge.surface!.tools.find((tool) => tool.name === name);
    const served = fly.surface!.tools.find((tool) => tool.name === name);
    // The Node service hosts both the fly and the edge placements (app/src/runtimes/node.ts).
    const placed = fly.tools.find((tool) => tool.name === name)?.placement;
    if (!sent) continue;
    if (!served || placed === "modal" || placed === undefined) {
      problems.push(`${at} places ${name} on Fly, and fly.release ${fly.release} does not serve it: every call of ${name} through it would fail`);
      continue;
    }
    for (const finding of diffTool(sent, served).filter((f) => f.verdict === "breaking")) {
      problems.push(`${at} sends ${name} to Fly, and fly.release ${fly.release} serves it differently: ${findingLine(finding)}`);
    }
  }
  return problems;
}

/** The refusal for a stack whose Fly release fails a pinned edge release. */
export function flyRefusal(contract: FlyContract, flyRelease: string): string | undefined {
  if (contract.problems.length === 0) return undefined;
  return (
    `fly.release ${flyRelease} must serve every Fly tool of every pinned edge release (one Fly release serves every API version and both colors):\n` +
    `${contract.problems.map((problem) => `  ${problem}`).join("\n")}\n` +
    `(expected a Fly release whose Fly tools stay compatible with every edge release pinned in the stack: change Fly tools compatibly, or move the API versions that pin the older edge releases first)`
  );
}

/** Refuses (exit 4) a stack whose Fly release fails a pinned edge release; returns the notes of what was not compared. */
export function assertFlyContract(config: StackConfig, lookup: ReleaseLookup, command: string): string[] {
  const contract = flyContract(config, lookup);
  const refusal = flyRefusal(contract, config.fly.release);
  if (refusal) throw new UsageError(`${command} refused: ${refusal}`, BREAKING_REFUSED);
  return contract.notes;
}
