/**
 * Where a stack pins releases: each API version's blue and green slot, and the
 * Fly app (not colored: one release, rolled).
 */
import type { Color } from "./schema.ts";

const COLOR_ORDER: readonly Color[] = ["blue", "green"];

export interface ReleasePin {
  /** Path of the pin in the stack config, e.g. `["apiVersions", "v1", "slots", "green", "release"]`. */
  path: (string | number)[];
  release: string;
}

interface Pinned {
  fly: { release: string };
  apiVersions: Record<string, { slots: Record<Color, { release: string }> }>;
}

export function releasePins(stack: Pinned): ReleasePin[] {
  const pins: ReleasePin[] = [{ path: ["fly", "release"], release: stack.fly.release }];
  for (const [name, version] of Object.entries(stack.apiVersions)) {
    for (const color of COLOR_ORDER) pins.push({ path: ["apiVersions", name, "slots", color, "release"], release: version.slots[color].release });
  }
  return pins;
}

/** Every distinct release a stack pins, other than `local`. */
export function pinnedReleases(stack: Pinned): string[] {
  return [...new Set(releasePins(stack).map((pin) => pin.release).filter((release) => release !== "local"))];
}

/** Whether a slot of an API version pins `local`: the working tree's edge bundle (dist/edge/worker.js) is then what it serves. */
export function pinsLocalEdge(stack: Pinned): boolean {
  return releasePins(stack).some((pin) => pin.release === "local" && pin.path[0] === "apiVersions");
}
