/**
 * Durable Object migrations and what Cloudflare allows around them. Facts the
 * rules below encode, with their sources:
 *
 * - A Worker *version* that changes a Durable Object class's lifecycle (new,
 *   renamed, deleted, transferred) is refused with error 10211; the migration
 *   must be applied by a non-versioned upload, which deploys at 100%
 *   (developers.cloudflare.com/workers/versions-and-deployments/gradual-deployments/with-durable-objects/,
 *   "Durable Object class lifecycle changes").
 * - A version binding a class that no applied migration created is refused
 *   with 10061 (cloudflare/workers-sdk issues #10034, #10246: from `/versions`).
 * - Once a migration is applied, no version from before it can be deployed
 *   again: "rollbacks cannot take place to any version prior to the one that
 *   included the change" (same page; and workers/versions-and-deployments/rollbacks/,
 *   Limits › Bindings). The docs make no exception for added classes, and an
 *   upload of old code that no longer exports a class existing objects depend
 *   on is refused with 10064 (seen in iterate/iterate PR #1796 and
 *   kentcdodds/kody PR #1559).
 *
 * So a release that changes the migrations (a *migration release*) goes out
 * at 100% through the non-versioned upload and runs in both slots of its API
 * version: there is no earlier version left to split traffic with or to roll
 * back to.
 */
import type { DurableObjectMigration } from "./release/manifest.ts";
import type { Color } from "./schema.ts";

/** A stack whose slots or traffic Cloudflare would refuse because of a migration. */
export class MigrationSplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationSplitError";
  }
}

const GRADUAL_DOCS = "developers.cloudflare.com/workers/versions-and-deployments/gradual-deployments/with-durable-objects/";
const ROLLBACK_DOCS = "developers.cloudflare.com/workers/versions-and-deployments/rollbacks/";

function canonical(migration: DurableObjectMigration): string {
  return JSON.stringify(Object.fromEntries(Object.entries(migration).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/**
 * What `next` does to the migrations of `current`, in words ("adds migration
 * v2", "changes migration v1"), or undefined when they are the same.
 */
export function migrationChange(current: readonly DurableObjectMigration[], next: readonly DurableObjectMigration[]): string | undefined {
  const before = new Map(current.map((m) => [m.tag, canonical(m)]));
  const after = new Map(next.map((m) => [m.tag, canonical(m)]));
  const changes: string[] = [];
  for (const [tag, text] of after) {
    if (!before.has(tag)) changes.push(`adds migration ${tag}`);
    else if (before.get(tag) !== text) changes.push(`changes migration ${tag}`);
  }
  for (const tag of before.keys()) if (!after.has(tag)) changes.push(`drops migration ${tag}`);
  if (changes.length === 0 && current.map((m) => m.tag).join() !== next.map((m) => m.tag).join()) changes.push("reorders its migrations");
  return changes.length === 0 ? undefined : changes.join(", ");
}

/** The migrations of `newer` that `older` does not have, in order. */
export function stepsBeyond(older: readonly DurableObjectMigration[], newer: readonly DurableObjectMigration[]): DurableObjectMigration[] {
  const known = new Set(older.map((m) => m.tag));
  return newer.filter((m) => !known.has(m.tag));
}

/** What steps do to classes, in words: "deletes class AuditLog", "renames class A to B", … */
export function lifecycleChanges(steps: readonly DurableObjectMigration[]): { destructive: string[]; additive: string[] } {
  const destructive: string[] = [];
  const additive: string[] = [];
  for (const step of steps) {
    for (const name of [...(step.newClasses ?? []), ...(step.newSqliteClasses ?? [])]) additive.push(`${step.tag} adds class ${name}`);
    for (const name of step.deletedClasses ?? []) destructive.push(`${step.tag} deletes class ${name}`);
    for (const { from, to } of step.renamedClasses ?? []) destructive.push(`${step.tag} renames class ${from} to ${to}`);
    for (const { from, fromScript, to } of step.transferredClasses ?? []) destructive.push(`${step.tag} transfers class ${from} of ${fromScript} to ${to}`);
  }
  return { destructive, additive };
}

export interface SlotMigrations {
  color: Color;
  release: string;
  /** Undefined when the release is not on this machine. */
  migrations: readonly DurableObjectMigration[] | undefined;
}

/**
 * Why the two slots of an API version cannot be deployed together, or
 * undefined when they can (or when a release's migrations are not known).
 * Both slots must declare the same migrations: a slot ahead of the other holds
 * a version Cloudflare refuses to upload before its migration is applied
 * (10211, 10061); a slot behind holds a version it refuses to deploy after.
 */
export function slotRefusal(apiVersion: string, live: SlotMigrations, idle: SlotMigrations): string | undefined {
  if (!live.migrations || !idle.migrations) return undefined;
  const change = migrationChange(live.migrations, idle.migrations);
  if (!change) return undefined;
  return (
    `apiVersions.${apiVersion}: ${idle.color} (${idle.release}) ${change} relative to the live ${live.color} (${live.release}), ` +
    `and the two slots of an API version must declare the same Durable Object migrations. ` +
    `Cloudflare refuses a Worker version that carries a migration (error 10211) or binds a class no applied migration created (10061), ` +
    `and after a migration no version from before it can be deployed (${GRADUAL_DOCS}). ` +
    `A migration release goes out at 100% and runs in both slots (expected both slots pinned to one of the two releases; npm run pin does that for a migration release)`
  );
}

/**
 * Why traffic cannot be split between `live` and `canary`, or undefined when it
 * can: only two releases with the same migrations can share traffic.
 */
export function canaryRefusal(apiVersion: string, canaryPercent: number, live: SlotMigrations, canary: SlotMigrations): string | undefined {
  if (canaryPercent <= 0 || canaryPercent >= 100) return undefined;
  if (!live.migrations || !canary.migrations) return undefined;
  const change = migrationChange(live.migrations, canary.migrations);
  if (!change) return undefined;
  return (
    `apiVersions.${apiVersion}: a ${canaryPercent}% canary cannot split traffic between ${live.color} (${live.release}) and ${canary.color} (${canary.release}): ` +
    `${canary.color}'s Worker ${change}. Cloudflare refuses to upload a Worker version that carries a Durable Object migration (error 10211): ` +
    `the migration goes out through a non-versioned upload deployed at 100%, and no version from before it can take traffic afterwards (${GRADUAL_DOCS}) ` +
    `(expected: a migration release is pinned into both slots and deployed whole, under the guard)`
  );
}

/**
 * Why traffic cannot go back from `from` (live now) to `to`, or undefined when
 * it can. Going back across any applied migration is refused by Cloudflare; the
 * reason names what the migration did, since that decides the way out.
 */
export function rollbackRefusal(apiVersion: string, from: SlotMigrations, to: SlotMigrations): string | undefined {
  if (!from.migrations || !to.migrations) return undefined;
  if (!migrationChange(to.migrations, from.migrations)) return undefined;
  const steps = stepsBeyond(to.migrations, from.migrations);
  const { destructive, additive } = lifecycleChanges(steps);
  const tags = steps.map((s) => s.tag).join(", ") || "a changed migration";
  const prefix = `apiVersions.${apiVersion}: cannot roll back from ${from.color} (${from.release}) to ${to.color} (${to.release}) across Durable Object migration ${tags}: `;
  if (destructive.length > 0) {
    return (
      prefix +
      `${destructive.join("; ")}. The objects of a deleted class and their storage are gone, a renamed or transferred class answers to its new name, ` +
      `and Cloudflare cannot undo a migration. Roll forward with a fix release that keeps ${tags}`
    );
  }
  return (
    prefix +
    `${additive.join("; ") || "the migrations differ"}. Cloudflare does not deploy a version from before a migration (${ROLLBACK_DOCS}, Limits › Bindings), ` +
    `and refuses code that no longer exports a class existing Durable Objects depend on (error 10064). Roll forward with a fix release that keeps ${tags}`
  );
}

/**
 * The migrations still to apply to a script whose last applied tag is
 * `appliedTag` (undefined: none yet), the way wrangler computes them
 * (cloudflare/workers-sdk packages/deploy-helpers/src/deploy/helpers/durable.ts,
 * getMigrationsToUpload). A tag the list does not know is an error: it was
 * applied by something else, and sending every step again would be refused.
 */
export function pendingSteps(
  migrations: readonly DurableObjectMigration[],
  appliedTag: string | undefined,
): { ok: true; steps: DurableObjectMigration[] } | { ok: false; reason: string } {
  if (appliedTag === undefined || appliedTag === "") return { ok: true, steps: [...migrations] };
  const at = migrations.findIndex((m) => m.tag === appliedTag);
  if (at < 0) {
    const known = migrations.map((m) => m.tag).join(", ") || "none";
    return {
      ok: false,
      reason:
        `the script has Durable Object migration tag ${JSON.stringify(appliedTag)} applied, which the pinned release does not declare (it declares ${known}). ` +
        `Cloudflare cannot undo a migration: pin a release whose migrations include ${appliedTag}`,
    };
  }
  return { ok: true, steps: migrations.slice(at + 1) };
}
