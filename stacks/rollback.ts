/**
 * A rollback is the cutover edit back: a canary returns all traffic to the
 * live color; a completed cutover makes the other color live again, unless a
 * Durable Object migration lies between the two releases, which Cloudflare
 * cannot go back across (stacks/migrations.ts has the sources).
 */
import { UsageError } from "./cli.ts";
import { rollbackRefusal } from "./migrations.ts";
import { migrationsLookup } from "./release-platform.ts";
import { editStack, type StackFileState } from "./stack-file.ts";
import { rollbackTraffic, trafficEdits, trafficOf, type Traffic } from "./traffic.ts";

/** Exit code of a cutover or rollback that Cloudflare's Durable Object rules refuse. */
export const MIGRATION_REFUSED = 3;

export interface RollbackPlan {
  before: Traffic;
  back: Traffic;
  edited: StackFileState;
  /** Why the migration check could not be made here, if it could not. */
  unchecked?: string;
}

export async function planRollback(current: StackFileState, api: string, root: string): Promise<RollbackPlan> {
  const version = current.config.apiVersions[api];
  if (!version) throw new UsageError(`--api ${api}: ${current.path} has no such API version (expected one of ${Object.keys(current.config.apiVersions).join(", ")})`);
  const before = trafficOf(version);
  const back = rollbackTraffic(before);
  if (back.live !== before.live) {
    const from = version.slots[before.live].release;
    const to = version.slots[back.live].release;
    if (from === to) {
      throw new UsageError(
        `apiVersions.${api}: both colors run ${from}, so a rollback would change nothing ` +
          `(after a migration release both slots run it: Cloudflare cannot go back past a Durable Object migration). Roll forward with a fix release`,
        MIGRATION_REFUSED,
      );
    }
    const migrationsOf = await migrationsLookup([from, to], current.config, root);
    const live = { color: before.live, release: from, migrations: migrationsOf(from) };
    const previous = { color: back.live, release: to, migrations: migrationsOf(to) };
    const refusal = rollbackRefusal(api, live, previous);
    if (refusal) throw new UsageError(`rollback refused: ${refusal}`, MIGRATION_REFUSED);
    // A release that is not here cannot be compared; the stack check of `pulumi up` (and of npm run plan) still refuses the result.
    const absent = [live, previous].filter((slot) => !slot.migrations).map((slot) => slot.release);
    if (absent.length > 0) {
      return { before, back, edited: editStack(current, trafficEdits(api, back)), unchecked: `Durable Object migrations not compared: ${absent.join(", ")} not readable here (pulumi up compares them)` };
    }
  }
  return { before, back, edited: editStack(current, trafficEdits(api, back)) };
}
