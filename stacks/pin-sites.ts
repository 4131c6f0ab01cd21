/**
 * Where each release is pinned, in words for messages: `{ "r-…": ["v1 blue",
 * "v2 green", "fly.release"] }`, the API versions' slots first, in version
 * order, then the Fly app.
 */
import { releasePins } from "./pins.ts";
import { inVersionOrder, type StackConfig } from "./schema.ts";

export const FLY_SITE = "fly.release";

export function pinSites(config: StackConfig): Map<string, string[]> {
  const sites = new Map<string, string[]>();
  const add = (release: string, site: string) => sites.set(release, [...(sites.get(release) ?? []), site]);
  const pins = releasePins(config);
  const order = inVersionOrder(Object.keys(config.apiVersions));
  const slotPins = pins.filter((pin) => pin.path[0] === "apiVersions").sort((a, b) => order.indexOf(String(a.path[1])) - order.indexOf(String(b.path[1])));
  for (const { path, release } of slotPins) add(release, `${path[1]} ${path[3]}`);
  for (const { release } of pins.filter((pin) => pin.path[0] === "fly")) add(release, FLY_SITE);
  return sites;
}
