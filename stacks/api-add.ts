/**
 * Publishing a new API version is a stack-file edit: `apiVersions.<vN>` with
 * its own route, both slots pinned to what the version it comes from serves
 * live, that version's rate limit, and `preview: true` (no client depends on
 * it yet, so the release that breaks the old version may go into it; its
 * first full cutover publishes it). The Pulumi program then adds a Worker
 * script with its two versions and deployment, its route and the two Modal
 * apps of its colors; nothing that exists changes.
 */
import { UsageError } from "./cli.ts";
import { API_VERSION_NAME, inVersionOrder, type StackConfig } from "./schema.ts";
import type { ConfigEdit } from "./stack-edit.ts";

export interface ApiAddition {
  edits: ConfigEdit[];
  /** The version it was made from. */
  from: string;
  release: string;
}

export function addApiVersion(config: StackConfig, stack: string, api: string, from?: string): ApiAddition {
  const known = inVersionOrder(Object.keys(config.apiVersions));
  if (!API_VERSION_NAME.test(api)) throw new UsageError(`--api: ${JSON.stringify(api)} is not an API version name (expected v1, v2, …)`);
  if (known.includes(api)) throw new UsageError(`--api ${api}: ${stack} already has ${api} (expected a new API version, e.g. v${Number(known.at(-1)!.slice(1)) + 1})`);
  const source = from ?? known.at(-1)!;
  const version = config.apiVersions[source];
  if (!version) throw new UsageError(`--from ${source}: ${stack} has no API version ${source} (expected one of ${known.join(", ")})`);
  const route = `/${api}`;
  const owner = known.find((name) => config.apiVersions[name]!.route === route);
  if (owner) throw new UsageError(`--api ${api}: the route ${route} is already ${owner}'s (expected a version whose route is free)`);
  const release = version.slots[version.live].release;
  const at = (...path: string[]) => ["apiVersions", api, ...path];
  const edits: ConfigEdit[] = [
    { path: at("route"), value: route },
    { path: at("slots", "blue", "release"), value: release },
    { path: at("slots", "green", "release"), value: release },
    { path: at("live"), value: version.live },
    { path: at("canaryPercent"), value: 0 },
  ];
  if (version.rateLimit) edits.push({ path: at("rateLimit", "callsPerMinute"), value: version.rateLimit.callsPerMinute });
  edits.push({ path: at("preview"), value: true });
  return { edits, from: source, release };
}
