/**
 * Promotion copies release pins, and only pins, from one stack to another: the
 * release each API version serves live in the source goes into the target's
 * idle slot (the cutover stays a separate, reviewable step), and the source's
 * Fly release becomes the target's. Nothing is built: a pin names the same
 * content-addressed release, so the same artifacts reach the target.
 */
import { UsageError } from "./cli.ts";
import { migrationChange, rollbackRefusal, stepsBeyond } from "./migrations.ts";
import { contractsBeyond } from "./compat/schema-rule.ts";
import type { DurableObjectMigration, NodeSchema } from "./release/manifest.ts";
import { MIGRATION_REFUSED } from "./rollback.ts";
import { COLORS, type StackConfig } from "./schema.ts";
import type { ConfigEdit } from "./stack-edit.ts";
import { otherColor } from "./traffic.ts";
import { unreadRefusal } from "./unread.ts";

export interface PinPlan {
  edits: ConfigEdit[];
  /** One line per API version (and Fly): what happens and why. */
  lines: string[];
  /** The API versions where the release is a migration release, pinned into both slots. */
  migrationReleases: string[];
  /** The API versions whose idle slot (or both, for a migration release) now holds the release: the ones to cut over. */
  ready: string[];
}

/** The Durable Object migrations of a release, or undefined when they cannot be read here. */
export type MigrationsOf = (release: string) => readonly DurableObjectMigration[] | undefined;

/** The Node schema of a release, or undefined when it cannot be read here or predates its recording. */
export type SchemaOf = (release: string) => NodeSchema | undefined;

/** How pins are checked: the migrations of each release, and whether an unread one is refused (CI) or noted. */
export interface PinChecks {
  migrationsOf?: MigrationsOf;
  /** The Node schema of each release: one that contracts the live release's schema goes into both slots. */
  schemaOf?: SchemaOf;
  /** Why a release cannot be read, for the refusal. */
  whyUnread?: (release: string) => string | undefined;
  /** Refuse a pin whose migrations cannot be read (in CI: unread.ts). @default false */
  strict?: boolean;
  /** The command, for messages. @default "pin" */
  command?: string;
}

/**
 * Puts `release` into the idle slot of each of `apis` of `target`. A release
 * whose Durable Object migrations differ from the live release's is a migration
 * release: Cloudflare takes it only through a non-versioned upload at 100%, and
 * nothing from before it can take traffic again, so it goes into both slots
 * (stacks/migrations.ts). One that lacks a migration the live release applied
 * is refused: Cloudflare cannot undo a migration. A release that contracts the
 * Node database's schema beyond what the live release reads goes into both
 * slots too: the live release cannot run beside it over the one database
 * (compat/schema-rule.ts checks every other pin).
 */
export function pinToIdle(target: StackConfig, targetName: string, release: string, apis: readonly string[], checks: PinChecks = {}): PinPlan {
  const migrationsOf = checks.migrationsOf ?? (() => undefined);
  const schemaOf = checks.schemaOf ?? (() => undefined);
  const plan: PinPlan = { edits: [], lines: [], migrationReleases: [], ready: [] };
  for (const api of apis) {
    const version = target.apiVersions[api];
    if (!version) throw new UsageError(`${targetName} has no API version ${api} (expected one of ${Object.keys(target.apiVersions).join(", ")})`);
    const idle = otherColor(version.live);
    if (version.canaryPercent > 0) {
      throw new UsageError(
        `${targetName} ${api} has a ${version.canaryPercent}% canary on ${idle}: its idle slot is serving traffic ` +
          `(expected canaryPercent 0: finish the cutover or roll it back first)`,
      );
    }
    if (version.slots[version.live].release === release) {
      plan.lines.push(`${api}: ${release} is already live (${version.live}) in ${targetName}; nothing to pin`);
      continue;
    }
    const live = { color: version.live, release: version.slots[version.live].release, migrations: migrationsOf(version.slots[version.live].release) };
    const pinned = { color: idle, release, migrations: migrationsOf(release) };
    const unread = [live, pinned].filter((slot) => !slot.migrations).map((slot) => ({ release: slot.release, why: checks.whyUnread?.(slot.release) ?? "not readable here" }));
    if (checks.strict && unread.length > 0) throw unreadRefusal(checks.command ?? "pin", `${targetName} ${api}: comparing the Durable Object migrations of ${release} with the live ${live.release}`, unread);
    const change = live.migrations && pinned.migrations ? migrationChange(live.migrations, pinned.migrations) : undefined;
    const [liveSchema, pinnedSchema] = [schemaOf(live.release), schemaOf(release)];
    const contracts = liveSchema && pinnedSchema ? contractsBeyond(pinnedSchema, liveSchema) : [];
    if (change && live.migrations && pinned.migrations) {
      if (stepsBeyond(pinned.migrations, live.migrations).length > 0) {
        throw new UsageError(`${targetName}: cannot pin ${release}: ${rollbackRefusal(api, live, pinned)}`, MIGRATION_REFUSED);
      }
      plan.migrationReleases.push(api);
      plan.ready.push(api);
      for (const color of [idle, version.live]) plan.edits.push({ path: ["apiVersions", api, "slots", color, "release"], value: release });
      plan.lines.push(
        `${api}: ${release} is a migration release (${change}): pinned into both slots. The next pulumi up applies the migration ` +
          `through a non-versioned upload at 100% (Cloudflare refuses it as a version, error 10211); ${live.release} cannot take traffic again`,
      );
    } else if (contracts.length > 0) {
      plan.migrationReleases.push(api);
      plan.ready.push(api);
      for (const color of [idle, version.live]) plan.edits.push({ path: ["apiVersions", api, "slots", color, "release"], value: release });
      const what = contracts.map((migration) => `migration ${migration.version} ${migration.reason}`).join("; ");
      plan.lines.push(
        `${api}: ${release} contracts the Node database's schema (${what}): pinned into both slots, live at 100% on the next pulumi up. ` +
          `${live.release} reads the shape from before it and cannot run beside it over the one database, nor take traffic again`,
      );
    } else if (version.slots[idle].release === release) {
      plan.ready.push(api);
      plan.lines.push(`${api}: ${release} is already in ${targetName}'s idle slot (${idle}); next: cutover --to ${idle}`);
    } else {
      plan.ready.push(api);
      plan.edits.push({ path: ["apiVersions", api, "slots", idle, "release"], value: release });
      const unchecked = pinned.migrations && live.migrations ? "" : ` (Durable Object migrations not compared: ${[live, pinned].filter((s) => !s.migrations).map((s) => s.release).join(", ")} not readable here; pulumi up checks them)`;
      plan.lines.push(`${api}: ${idle} (idle) ${version.slots[idle].release} → ${release}; ${version.live} stays live with ${version.slots[version.live].release}${unchecked}`);
    }
  }
  return plan;
}

/**
 * A stack's first deploy: nothing is live yet, so the release goes into both
 * slots of each of `apis` (no surface to compare it with, no migration to
 * split), which the first `pulumi up` creates from an empty account.
 */
export function pinInitial(target: StackConfig, targetName: string, release: string, apis: readonly string[]): PinPlan {
  const plan: PinPlan = { edits: [], lines: [], migrationReleases: [], ready: [] };
  for (const api of apis) {
    const version = target.apiVersions[api];
    if (!version) throw new UsageError(`${targetName} has no API version ${api} (expected one of ${Object.keys(target.apiVersions).join(", ")})`);
    if (version.canaryPercent > 0) throw new UsageError(`${targetName} ${api}: a first deploy has no canary (expected canaryPercent 0, found ${version.canaryPercent})`);
    for (const color of COLORS) plan.edits.push({ path: ["apiVersions", api, "slots", color, "release"], value: release });
    plan.lines.push(`${api}: ${release} into both slots (first deploy: nothing is live yet, so nothing to compare it with); ${version.live} takes all traffic`);
  }
  return plan;
}

/**
 * Where `fly.release`, the machines' host runtime, goes when `release` is
 * pinned. The machines serve every pinned release side by side on that image,
 * so it moves only when `release` needs another runtime (its Dockerfile,
 * dependencies or start.sh differ), or when that is not known; otherwise the
 * pin changes only what the machines serve, and no image is built.
 */
export function pinFly(target: StackConfig, release: string, runtimeOf?: (release: string) => string | undefined): PinPlan {
  const plan = (edits: PinPlan["edits"], line: string): PinPlan => ({ edits, lines: [line], migrationReleases: [], ready: [] });
  if (target.fly.release === release) return plan([], `fly: already ${release}`);
  const [current, next] = [runtimeOf?.(target.fly.release), runtimeOf?.(release)];
  if (current !== undefined && current === next) {
    return plan([], `fly: host runtime stays ${target.fly.release} (${release} runs on it beside the other pinned releases: no new image)`);
  }
  const why = current === undefined || next === undefined ? "its host runtime could not be compared" : "it needs another host runtime";
  return plan([{ path: ["fly", "release"], value: release }], `fly: ${target.fly.release} → ${release} (${why}: a new image, rolled region by region on the next pulumi up)`);
}

/** The release `api` serves live in `source`, refusing one mid-canary or not a release. */
export function liveRelease(source: StackConfig, sourceName: string, api: string): string {
  const version = source.apiVersions[api];
  if (!version) throw new UsageError(`${sourceName} has no API version ${api} (expected one of ${Object.keys(source.apiVersions).join(", ")})`);
  if (version.canaryPercent > 0) {
    throw new UsageError(`${sourceName} ${api} is mid-canary (${version.canaryPercent}% to ${otherColor(version.live)}): promote what it serves live only after its cutover completes`);
  }
  const release = version.slots[version.live].release;
  if (release === "local") throw new UsageError(`${sourceName} ${api} serves "local" (the working tree), which is not a release (expected an r-<12 hex> pin to promote)`);
  return release;
}

export function planPromotion(
  source: StackConfig,
  sourceName: string,
  target: StackConfig,
  targetName: string,
  options: { apis?: readonly string[]; release?: string; /** The target's first deploy: both slots (pinInitial). */ initial?: boolean } & PinChecks,
): PinPlan {
  const apis = options.apis ?? Object.keys(source.apiVersions).filter((api) => api in target.apiVersions);
  if (apis.length === 0) throw new UsageError(`${sourceName} and ${targetName} share no API version (expected at least one in both)`);
  const orphans = Object.keys(target.apiVersions).filter((api) => !(api in source.apiVersions));
  if (options.initial && orphans.length > 0) {
    throw new UsageError(
      `--initial: ${targetName} has ${orphans.join(", ")}, which ${sourceName} does not serve, so a first deploy has no release for ${orphans.length === 1 ? "it" : "them"} ` +
        `(expected every API version of ${targetName} in ${sourceName}: remove ${orphans.join(", ")} from Pulumi.${targetName}.yaml, or add ${orphans.length === 1 ? "it" : "them"} to ${sourceName} with npm run api:add)`,
    );
  }
  const plan: PinPlan = { edits: [], lines: [], migrationReleases: [], ready: [] };
  for (const api of apis) {
    const release = liveRelease(source, sourceName, api);
    if (options.release !== undefined && options.release !== release) {
      throw new UsageError(`--release ${options.release} is not what ${sourceName} serves live for ${api} (${release}); promotion copies only what ${sourceName} serves live`);
    }
    const pinned = options.initial ? pinInitial(target, targetName, release, [api]) : pinToIdle(target, targetName, release, [api], options);
    plan.edits.push(...pinned.edits);
    plan.lines.push(...pinned.lines);
    plan.migrationReleases.push(...pinned.migrationReleases);
    plan.ready.push(...pinned.ready);
  }
  const skipped = Object.keys(target.apiVersions).filter((api) => !apis.includes(api));
  for (const api of skipped) plan.lines.push(`${api}: not promoted (${options.apis ? "not asked for" : `not in ${sourceName}`}); unchanged`);
  if (source.fly.release === "local") throw new UsageError(`${sourceName} fly.release is "local" (the working tree), which is not a release (expected an r-<12 hex> pin to promote)`);
  const fly = pinFly(target, source.fly.release);
  plan.edits.push(...fly.edits);
  plan.lines.push(...fly.lines);
  return plan;
}
