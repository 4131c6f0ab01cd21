/**
 * What a Fly machine's release host serves, from its environment. The stack
 * sets these on every machine (infra/components/fly-service.ts); a change of
 * the served set is one machine update per region, never an image build.
 *
 *   MCP_RELEASES          JSON: every release pinned in any slot of any API
 *                         version, `[{ "release": "r-…", "tree": { "key", "sha256" } }]`;
 *                         a release without `tree` is the image's own code
 *                         (the host runtime's release, `MCP_RELEASE`).
 *                         @default [{ "release": MCP_RELEASE }]
 *   MCP_DIRECT_RELEASE    the release a call that names none gets (a client
 *                         of the Fly app itself, not an edge color), until
 *                         the pointer below says otherwise. @default MCP_RELEASE
 *                         when served, else the first of MCP_RELEASES
 *   MCP_DIRECT_RELEASE_KEY the object in the backup bucket that names the live
 *                         release (`{"release":"r-…"}`), read every 30 s: a
 *                         cutover moves direct clients without a machine update
 *   MCP_RELEASE_MEMORY_MB a release process over this resident size is
 *                         restarted, with the reason in the log. @default 256
 */
import { z } from "zod";
import { RELEASE_NAME } from "../../upstream/signing.ts";

/** The names a signed call may carry (signing.ts): a release the host serves must be one. */
const releaseName = z.string().regex(RELEASE_NAME, { error: "expected a release id such as r-3f9a1c7e2b4d, or local" });

const servedRelease = z.strictObject({
  release: releaseName,
  /** Where the release's server tree is, in the backup bucket, and the sha256 it must have. */
  tree: z.strictObject({ key: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "expected 64 hex" }) }).optional(),
});
export type ServedRelease = z.output<typeof servedRelease>;

const hostEnv = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  MCP_RELEASE: releaseName.default("local"),
  MCP_RELEASES: z.string().optional(),
  MCP_DIRECT_RELEASE: releaseName.optional(),
  MCP_DIRECT_RELEASE_KEY: z.string().min(1).optional(),
  MCP_RELEASE_MEMORY_MB: z.coerce.number().int().min(64).max(65_536).default(256),
  MCP_RELEASE_WATCH_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  MCP_DATA_DIR: z.string().default(".data"),
  MCP_UPSTREAM_SECRET: z.string().min(1).optional(),
});

export interface HostConfig {
  host: string;
  port: number;
  /** The image's own release: the host runtime. */
  hostRelease: string;
  releases: ServedRelease[];
  directRelease: string;
  /** Where the live release is named, when the stack keeps it in the bucket. */
  directReleaseKey: string | undefined;
  memoryLimitMb: number;
  watchMs: number;
  /** Where fetched release trees are kept: on the volume, so a restart does not fetch again. */
  treeCache: string;
  upstreamSecret: string | undefined;
}

export class HostConfigError extends Error {
  override name = "HostConfigError";
}

export function loadHostConfig(env: NodeJS.ProcessEnv = process.env): HostConfig {
  const parsed = hostEnv.safeParse(env);
  if (!parsed.success) throw new HostConfigError(`invalid environment:\n  ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n  ")}`);
  const value = parsed.data;
  let releases: ServedRelease[] = [{ release: value.MCP_RELEASE }];
  if (value.MCP_RELEASES !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(value.MCP_RELEASES);
    } catch (error) {
      throw new HostConfigError(`invalid environment:\n  MCP_RELEASES: not JSON (${(error as Error).message})`);
    }
    const list = z.array(servedRelease).min(1, { error: "serves nothing (expected at least one release)" }).safeParse(raw);
    if (!list.success) {
      const issue = list.error.issues[0]!;
      throw new HostConfigError(`invalid environment:\n  MCP_RELEASES${issue.path.map((part) => `[${JSON.stringify(part)}]`).join("")}: ${issue.message}`);
    }
    releases = list.data;
  }
  const names = releases.map((served) => served.release);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new HostConfigError(`invalid environment:\n  MCP_RELEASES: ${twice} is listed twice`);
  const foreign = releases.find((served) => served.tree === undefined && served.release !== value.MCP_RELEASE);
  if (foreign) {
    throw new HostConfigError(`invalid environment:\n  MCP_RELEASES: ${foreign.release} has no tree, and only the image's own release (MCP_RELEASE=${value.MCP_RELEASE}) runs without one`);
  }
  const directRelease = value.MCP_DIRECT_RELEASE ?? (names.includes(value.MCP_RELEASE) ? value.MCP_RELEASE : names[0]!);
  if (!names.includes(directRelease)) {
    throw new HostConfigError(`invalid environment:\n  MCP_DIRECT_RELEASE: ${directRelease} is not served (expected one of ${names.join(", ")})`);
  }
  return {
    host: value.HOST,
    port: value.PORT,
    hostRelease: value.MCP_RELEASE,
    releases,
    directRelease,
    directReleaseKey: value.MCP_DIRECT_RELEASE_KEY,
    memoryLimitMb: value.MCP_RELEASE_MEMORY_MB,
    watchMs: value.MCP_RELEASE_WATCH_MS,
    treeCache: `${value.MCP_DATA_DIR}/releases`,
    upstreamSecret: value.MCP_UPSTREAM_SECRET,
  };
}
