/**
 * The traffic of one API version as config: which color is live and what share
 * the other color gets. A cutover, a canary and a rollback are edits of these
 * two values, nothing else.
 */
import { UsageError } from "./cli.ts";
import type { ConfigEdit } from "./stack-edit.ts";
import type { ApiVersionConfig, Color } from "./schema.ts";

export interface Traffic {
  live: Color;
  canaryPercent: number;
}

export const otherColor = (color: Color): Color => (color === "blue" ? "green" : "blue");

export function trafficOf(version: ApiVersionConfig): Traffic {
  return { live: version.live, canaryPercent: version.canaryPercent };
}

/** `live blue` or `blue 90% / green 10%`. */
export function describeTraffic(traffic: Traffic): string {
  if (traffic.canaryPercent === 0) return `live ${traffic.live} (100%)`;
  return `live ${traffic.live} ${100 - traffic.canaryPercent}%, canary ${otherColor(traffic.live)} ${traffic.canaryPercent}%`;
}

/**
 * Where `cutover --to <color> [--canary N]` leads from `current`: without a
 * canary, `to` becomes live with all traffic; with one, `to` must be the idle
 * color and gets N percent while the live color keeps the rest.
 */
export function cutoverTraffic(api: string, current: Traffic, to: Color, canary: number | undefined): Traffic {
  if (canary === undefined) return { live: to, canaryPercent: 0 };
  if (!Number.isInteger(canary) || canary < 1 || canary > 99) {
    throw new UsageError(`--canary: ${canary} is not a share for a canary (expected a whole number 1..99; without --canary the cutover is 100%)`);
  }
  if (to === current.live) {
    throw new UsageError(`--to ${to}: ${to} is already live for ${api}; a canary goes to the idle color (expected --to ${otherColor(current.live)})`);
  }
  return { live: current.live, canaryPercent: canary };
}

export function trafficEdits(api: string, next: Traffic): ConfigEdit[] {
  return [
    { path: ["apiVersions", api, "live"], value: next.live },
    { path: ["apiVersions", api, "canaryPercent"], value: next.canaryPercent },
  ];
}

/** The record a cutover leaves for `rollback`: the color live before it and the release it ran. */
export function rollbackRecordEdits(api: string, before: Traffic, release: string): ConfigEdit[] {
  return [
    { path: ["apiVersions", api, "rollbackTo", "live"], value: before.live },
    { path: ["apiVersions", api, "rollbackTo", "release"], value: release },
  ];
}

export const sameTraffic = (a: Traffic, b: Traffic): boolean => a.live === b.live && a.canaryPercent === b.canaryPercent;

/** The color that receives the canary share, if any. */
export function canaryColor(traffic: Traffic): Color | undefined {
  return traffic.canaryPercent > 0 ? otherColor(traffic.live) : undefined;
}
