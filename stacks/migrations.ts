/**
 * Cloudflare applies a Durable Object migration only with a version deployed at
 * 100%, and pins each Durable Object to one version per deployment. Two
 * releases whose Workers declare different migrations therefore cannot share
 * traffic: a canary between them is refused, and the cutover goes all at once.
 */
import type { DurableObjectMigration } from "./release/manifest.ts";
import type { Color } from "./schema.ts";

export class MigrationSplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationSplitError";
  }
}

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

export interface SlotMigrations {
  color: Color;
  release: string;
  /** Undefined when the release is not on this machine. */
  migrations: readonly DurableObjectMigration[] | undefined;
}

/**
 * The reason a split between `live` and `canary` cannot be deployed, or
 * undefined when it can (or when a release's migrations are not known).
 */
export function splitRefusal(apiVersion: string, canaryPercent: number, live: SlotMigrations, canary: SlotMigrations): string | undefined {
  if (canaryPercent <= 0 || canaryPercent >= 100) return undefined;
  if (!live.migrations || !canary.migrations) return undefined;
  const change = migrationChange(live.migrations, canary.migrations);
  if (!change) return undefined;
  return (
    `apiVersions.${apiVersion}: a ${canaryPercent}% canary cannot split traffic between ${live.color} (${live.release}) and ${canary.color} (${canary.release}): ` +
    `${canary.color}'s Worker ${change}, and Cloudflare applies a Durable Object migration only with a version deployed at 100% ` +
    `(expected canaryPercent 0: cut over at once, under the guard)`
  );
}
