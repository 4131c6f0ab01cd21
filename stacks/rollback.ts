/**
 * A rollback gives all traffic back to the color that was live before the last
 * cutover, as the cutover recorded it in the stack file
 * (`apiVersions.<v>.rollbackTo`): a canary returns all traffic to the live
 * color; a completed cutover makes the color that was live before live again.
 * A second rollback finds the traffic already there and changes nothing. It is refused when the color to go back to runs
 * another release than it did then, and across a Durable Object migration,
 * which Cloudflare cannot go back across (stacks/migrations.ts has the sources).
 */
import { UsageError } from "./cli.ts";
import { rollbackRefusal } from "./migrations.ts";
import { releaseLookup } from "./release-platform.ts";
import type { ApiVersionConfig } from "./schema.ts";
import { editStack, type StackFileState } from "./stack-file.ts";
import { describeTraffic, sameTraffic, trafficEdits, trafficOf, type Traffic } from "./traffic.ts";
import { unreadRefusal } from "./unread.ts";

/** Exit code of a command that a migration refuses: Cloudflare's Durable Object rules, or the Node schema rule (compat/schema-rule.ts). */
export const MIGRATION_REFUSED = 3;

export type RollbackPlan =
  | { done: true; before: Traffic; message: string }
  | {
      done: false;
      before: Traffic;
      back: Traffic;
      edited: StackFileState;
      /** Why the migration check could not be made here, if it could not. */
      unchecked?: string;
    };

/** Where a rollback of `version` leads, from what the last cutover recorded. */
function rollbackTarget(api: string, version: ApiVersionConfig, path: string): Traffic {
  const before = trafficOf(version);
  if (before.canaryPercent > 0) return { live: before.live, canaryPercent: 0 };
  const recorded = version.rollbackTo;
  if (!recorded) {
    throw new UsageError(
      `apiVersions.${api}: ${path} records no cutover to go back from (npm run cutover writes apiVersions.${api}.rollbackTo); ` +
        `to move the traffic anyway, say where: npm run cutover -- --api ${api} --to <blue|green>`,
    );
  }
  const running = version.slots[recorded.live].release;
  if (recorded.live !== before.live && running === version.slots[before.live].release) {
    throw new UsageError(
      `apiVersions.${api}: both colors run ${running}, so a rollback would change nothing ` +
        `(after a migration release both slots run it: Cloudflare cannot go back past a Durable Object migration). Roll forward with a fix release`,
      MIGRATION_REFUSED,
    );
  }
  if (running !== recorded.release) {
    throw new UsageError(
      `apiVersions.${api}: before the last cutover ${recorded.live} ran ${recorded.release}, and it runs ${running} now (pinned since): ` +
        `a rollback would put ${running} live instead. If that is what you want, npm run cutover -- --api ${api} --to ${recorded.live}`,
    );
  }
  return { live: recorded.live, canaryPercent: 0 };
}

export async function planRollback(current: StackFileState, api: string, root: string, options: { strict?: boolean } = {}): Promise<RollbackPlan> {
  const version = current.config.apiVersions[api];
  if (!version) throw new UsageError(`--api ${api}: ${current.path} has no such API version (expected one of ${Object.keys(current.config.apiVersions).join(", ")})`);
  const before = trafficOf(version);
  // The release the last cutover recorded, if the live one has applied a migration since: nothing can go back to it.
  const recorded = version.rollbackTo;
  const liveRelease = version.slots[before.live].release;
  if (recorded && before.canaryPercent === 0 && recorded.release !== liveRelease) {
    const lookup = await releaseLookup([liveRelease, recorded.release], current.config, root);
    const refusal = rollbackRefusal(
      api,
      { color: before.live, release: liveRelease, migrations: lookup.get(liveRelease)?.worker.migrations },
      { color: recorded.live, release: recorded.release, migrations: lookup.get(recorded.release)?.worker.migrations },
    );
    if (refusal) throw new UsageError(`rollback refused: ${refusal}`, MIGRATION_REFUSED);
  }
  const back = rollbackTarget(api, version, current.path);
  if (sameTraffic(back, before)) {
    return { done: true, before, message: `apiVersions.${api}: already rolled back: ${describeTraffic(before)} is where the last cutover started from; nothing to change` };
  }
  const edited = editStack(current, trafficEdits(api, back));
  if (back.live === before.live) return { done: false, before, back, edited };

  const from = version.slots[before.live].release;
  const to = version.slots[back.live].release;
  const lookup = await releaseLookup([from, to], current.config, root);
  const migrationsOf = (release: string) => lookup.get(release)?.worker.migrations;
  const live = { color: before.live, release: from, migrations: migrationsOf(from) };
  const previous = { color: back.live, release: to, migrations: migrationsOf(to) };
  const refusal = rollbackRefusal(api, live, previous);
  if (refusal) throw new UsageError(`rollback refused: ${refusal}`, MIGRATION_REFUSED);
  // A release that is not here cannot be compared; the stack check of `pulumi up` (and of npm run plan) still refuses the result.
  const absent = [live, previous].filter((slot) => !slot.migrations).map((slot) => slot.release);
  if (options.strict && absent.length > 0) {
    throw unreadRefusal("rollback", `apiVersions.${api}: checking that no Durable Object migration lies between ${from} and ${to}`, absent.map((release) => ({ release, why: lookup.why(release) ?? "not readable here" })));
  }
  const unchecked = absent.length > 0 ? `Durable Object migrations not compared: ${absent.join(", ")} not readable here (pulumi up compares them)` : undefined;
  return { done: false, before, back, edited, ...(unchecked ? { unchecked } : {}) };
}
