/**
 * One database, many releases: every Fly machine runs a process per pinned
 * release (each slot of each API version, and `fly.release`), all over the
 * region's one SQLite database, and each process brings that database to its
 * own schema version at start (app/src/state/sql.ts, migrate). A release from
 * before a migration keeps reading and writing the shape it was built for, so
 * while it is pinned, newer releases may only expand the schema. A migration
 * that contracts it (drops or renames a column or table, tightens a
 * constraint, rewrites rows: app/src/state/migration-kind.ts) is refused at
 * `pin`, `promote` and `cutover` while any pinned release's schema version is
 * below it. `--allow-breaking` does not lift it: the older release would fail
 * on its own database, whatever its clients agreed to.
 */
import { UsageError } from "../cli.ts";
import { FLY_SITE, pinSites } from "../pin-sites.ts";
import type { NodeSchema } from "../release/manifest.ts";
import type { ReleaseLookup } from "../release-platform.ts";
import { MIGRATION_REFUSED } from "../rollback.ts";
import { inVersionOrder, type StackConfig } from "../schema.ts";
import { type Unread, unreadRefusal } from "../unread.ts";

export interface SchemaRule {
  /** Each contracting migration pinned beside a release from before it. */
  problems: string[];
  /** Releases whose schema could not be compared here, and why. */
  notes: string[];
  /** The releases that could not be read at all (refused in CI). */
  unread: Unread[];
}

/** The contracting migrations of `newer` that a database at `older` has not had yet. */
export function contractsBeyond(newer: NodeSchema, older: NodeSchema): NodeSchema["contracting"] {
  return newer.contracting.filter((migration) => migration.version > older.version);
}

const apisOf = (sites: readonly string[]) => [...new Set(sites.filter((site) => site !== FLY_SITE).map((site) => site.split(" ")[0]!))];

/**
 * How to take `older` out of the stack so that `newer` can stay: one pin of
 * `newer` into every API version either holds (a contracting release goes into
 * both slots of each, pin.ts), after any canary there completes.
 */
function howToRetire(older: { release: string; at: string[] }, newer: { release: string; at: string[] }, config: StackConfig): string {
  const blocking = apisOf(older.at);
  const apis = inVersionOrder([...new Set([...apisOf(newer.at), ...blocking])]);
  const canaries = blocking.filter((api) => config.apiVersions[api]!.canaryPercent > 0);
  const wait = canaries.map((api) => `wait until ${api}'s ${config.apiVersions[api]!.canaryPercent}% canary completes (or roll it back), then `).join("");
  const steps: string[] = [];
  if (blocking.length > 0) {
    const flags = apis.map((api) => `--api ${api}`).join(" ");
    steps.push(`${wait}pin both slots of ${blocking.join(" and ")} to ${newer.release} or a later release, in one pin with the API versions it goes into (npm run pin -- --release ${newer.release} ${flags} puts a contracting release into both slots of each)`);
  }
  if (older.at.includes(FLY_SITE)) steps.push(`pin fly.release to ${newer.release} or a later release (npm run pin sets it)`);
  return `retire ${older.release}: ${steps.join("; ")}; then pin ${newer.release}`;
}

/** The schema rule over every release `config` pins, as they would be after an edit. */
export function schemaRule(config: StackConfig, lookup: ReleaseLookup): SchemaRule {
  const rule: SchemaRule = { problems: [], notes: [], unread: [] };
  const sites = pinSites(config);
  const known: { release: string; schema: NodeSchema; at: string[] }[] = [];
  for (const [release, at] of sites) {
    const record = lookup.get(release);
    if (!record) {
      const why = lookup.why(release) ?? "not found";
      rule.unread.push({ release, why });
      rule.notes.push(`${release} (${at.join(", ")}): its Node schema was not compared with the other pinned releases: ${why}`);
    } else if (!record.nodeSchema) {
      rule.notes.push(`${release} (${at.join(", ")}): its Node schema was not compared with the other pinned releases: it was built before manifests recorded the Node schema`);
    } else {
      known.push({ release, schema: record.nodeSchema, at });
    }
  }
  for (const newer of known) {
    for (const older of known) {
      for (const migration of contractsBeyond(newer.schema, older.schema)) {
        rule.problems.push(
          `${newer.release} (pinned at ${newer.at.join(", ")}) migrates the Node database to schema version ${newer.schema.version}, and its migration ${migration.version} contracts it: ${migration.reason}. ` +
            `${older.release} (schema version ${older.schema.version}), pinned at ${older.at.join(", ")}, still reads the shape from before it. ` +
            howToRetire(older, newer, config),
        );
      }
    }
  }
  return rule;
}

/** The refusal for a stack that pins a contracting migration beside a release from before it. */
export function schemaRefusal(rule: SchemaRule): string | undefined {
  if (rule.problems.length === 0) return undefined;
  return (
    `while a release is pinned, the Node database's schema may only expand (every pinned release runs over the region's one SQLite database):\n` +
    `${rule.problems.map((problem) => `  ${problem}`).join("\n")}\n` +
    `(expected every pinned release at or past each contracting migration: retire the older releases first, or split the change: ` +
    `a release that stops reading the old shape, then the contracting one)`
  );
}

export interface SchemaRuleOptions {
  /** The command, for messages. */
  command: string;
  /** Refuse when a pinned release cannot be read (in CI: unread.ts). @default false */
  strict?: boolean;
}

/** Refuses (exit 3) a stack that breaks the schema rule; returns the notes of what was not compared. */
export function assertSchemaRule(config: StackConfig, lookup: ReleaseLookup, options: SchemaRuleOptions): string[] {
  const rule = schemaRule(config, lookup);
  const refusal = schemaRefusal(rule);
  if (refusal) throw new UsageError(`${options.command} refused: ${refusal}`, MIGRATION_REFUSED);
  if (options.strict && rule.unread.length > 0) throw unreadRefusal(options.command, "checking the Node schema of every pinned release against the others", rule.unread);
  return rule.notes;
}
