/**
 * What `npm run status` reports for each API version of a stack: the traffic
 * split and the release in each slot (from the stack file), and, where the
 * query APIs can be read, the last hour's calls, error rate and p95 per color
 * from each source. A source that cannot be read says why.
 */
import { COLORS, inVersionOrder, type StackConfig } from "../schema.ts";
import type { Sources } from "./sources.ts";

export interface ColorNumbers {
  calls: number;
  errorRate: number | null;
  p95Ms: number | null;
}

export type SourceStatus = { source: string } & ({ byColor: Record<string, ColorNumbers> } | { error: string } | { unavailable: string });

export interface VersionStatus {
  live: string;
  canaryPercent: number;
  slots: Record<string, { release: string; percent: number }>;
  traffic: SourceStatus[];
}

export interface StackStatus {
  stack: string;
  windowSeconds: number;
  /** Fly runs one release for every API version and color (it rolls, it has no colors). */
  fly: { app: string; release: string };
  apiVersions: Record<string, VersionStatus>;
}

export async function stackStatus(stack: string, config: StackConfig, sources: Sources, windowSeconds = 3600): Promise<StackStatus> {
  const apiVersions: Record<string, VersionStatus> = {};
  for (const name of inVersionOrder(Object.keys(config.apiVersions))) {
    const version = config.apiVersions[name]!;
    const percent = (color: string) => (color === version.live ? 100 - version.canaryPercent : version.canaryPercent);
    const traffic = await Promise.all(
      sources.sources.map(async (source): Promise<SourceStatus> => {
        try {
          const read = await source.read(name, windowSeconds);
          const byColor = Object.fromEntries(
            Object.entries(read).map(([color, t]) => [color, { calls: t.calls, errorRate: t.calls === 0 ? null : t.errors / t.calls, p95Ms: t.p95Ms ?? null }]),
          );
          return { source: source.name, byColor };
        } catch (error) {
          return { source: source.name, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    apiVersions[name] = {
      live: version.live,
      canaryPercent: version.canaryPercent,
      slots: Object.fromEntries(COLORS.map((color) => [color, { release: version.slots[color].release, percent: percent(color) }])),
      traffic: [...traffic, ...sources.unavailable.map(({ source, reason }) => ({ source, unavailable: reason }))],
    };
  }
  return { stack, windowSeconds, fly: { app: config.fly.app, release: config.fly.release }, apiVersions };
}

const numbers = (n: ColorNumbers | undefined) =>
  n === undefined || n.calls === 0 ? "no calls" : `${n.calls} calls, ${((n.errorRate ?? 0) * 100).toFixed(2)}% errors, p95 ${n.p95Ms === null ? "—" : `${Math.round(n.p95Ms)} ms`}`;

/** The report for a person: a block per API version, a line per color, a line per source that could not be read. */
export function renderStatus(status: StackStatus): string {
  const lines = [`stack ${status.stack} · traffic of the last ${Math.round(status.windowSeconds / 60)} min · Fly app ${status.fly.app} runs ${status.fly.release}`];
  for (const [name, version] of Object.entries(status.apiVersions)) {
    const canary = version.canaryPercent > 0 ? `, canary ${COLORS.find((c) => c !== version.live)} ${version.canaryPercent}%` : "";
    lines.push("", `${name}  live ${version.live}${canary}`);
    for (const [color, slot] of Object.entries(version.slots)) {
      const read = version.traffic.flatMap((t) => ("byColor" in t ? [`${t.source}: ${numbers(t.byColor[color])}`] : []));
      lines.push(`  ${color.padEnd(5)}  ${slot.release.padEnd(14)}  ${`${slot.percent}%`.padStart(4)}${read.length ? `   ${read.join(" · ")}` : ""}`);
    }
    for (const t of version.traffic) {
      if ("error" in t) lines.push(`  ${t.source}: could not be read (${t.error})`);
      if ("unavailable" in t) lines.push(`  ${t.source}: not read (${t.unavailable})`);
    }
  }
  return `${lines.join("\n")}\n`;
}
