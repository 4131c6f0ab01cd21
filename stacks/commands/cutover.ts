/**
 * `npm run cutover -- --stack prod --api v1 --to green [--canary 10] [--guard 15m]`:
 * moves an API version's traffic by editing its stack file (`live`,
 * `canaryPercent`), after checking the result against the schema; prints the
 * change and writes it with comments and order kept. A canary between two
 * releases whose Workers differ in Durable Object migrations is refused (exit 3):
 * Cloudflare applies a migration only by a non-versioned upload at 100%.
 * Traffic to a release that breaks what the API version serves live is
 * refused (exit 4) unless --allow-breaking is spelled out; the first full
 * cutover of a version in preview (added by api:add) publishes it. A stack
 * that pins a release contracting the Node database's schema beside one from
 * before it is refused (exit 3, compat/schema-rule.ts): both run over one
 * database whichever takes the traffic.
 *
 * With --guard the command then applies the file (--apply, default `pulumi up
 * --yes --skip-preview --stack <stack>`), watches the API version's URL with
 * `verify` and its real traffic (the color that gets traffic judged against
 * the one live before; stacks/telemetry/), and on a breach rolls back and
 * applies again (exit 1).
 */
import { parseArgs } from "node:util";
import { COLORS, type Color } from "../schema.ts";
import { parseDuration, runCommand, UsageError, missingFlag } from "../cli.ts";
import { guardCutover } from "../guard.ts";
import { checkAgainstLive, decidePins } from "../compat/pin-policy.ts";
import { assertSchemaRule } from "../compat/schema-rule.ts";
import { canaryRefusal } from "../migrations.ts";
import { releasePins } from "../pins.ts";
import { releaseLookup, slotMigrationsOf } from "../release-platform.ts";
import type { ConfigEdit } from "../stack-edit.ts";
import { MIGRATION_REFUSED } from "../rollback.ts";
import { inCi } from "../unread.ts";
import { editStack, readStack, showChange, writeStack } from "../stack-file.ts";
import { canaryColor, cutoverTraffic, describeTraffic, rollbackRecordEdits, trafficEdits, trafficOf } from "../traffic.ts";
import { headersFrom } from "../verify/headers.ts";
import { TRAFFIC_FLAGS, TRAFFIC_USAGE, trafficGuardFrom } from "../telemetry/traffic-flags.ts";

const USAGE =
  "usage: npm run cutover -- --stack <name> --api <vN> --to <blue|green> [--canary <1..99>] [--allow-breaking] [--dry-run] " +
  `[--guard <duration> [--url <mcp url>] [--apply <command>] [--max-error-rate <0..1>] [--interval <duration>] ${TRAFFIC_USAGE}]`;

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", short: "s" },
      api: { type: "string" },
      to: { type: "string" },
      canary: { type: "string" },
      "allow-breaking": { type: "boolean" },
      "dry-run": { type: "boolean" },
      guard: { type: "string" },
      url: { type: "string" },
      apply: { type: "string" },
      "max-error-rate": { type: "string" },
      interval: { type: "string" },
      token: { type: "string" },
      root: { type: "string" },
      ...TRAFFIC_FLAGS,
    },
  });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.api) throw missingFlag("--api", "e.g. v1");
  if (!values.to || !(COLORS as readonly string[]).includes(values.to)) throw new UsageError(`--to: expected blue or green, got ${values.to ?? "nothing"}`);
  const root = values.root ?? ".";
  const to = values.to as Color;
  const canary = values.canary === undefined ? undefined : Number(values.canary);

  const current = readStack(root, values.stack);
  const version = current.config.apiVersions[values.api];
  if (!version) throw new UsageError(`--api ${values.api}: ${current.path} has no such API version (expected one of ${Object.keys(current.config.apiVersions).join(", ")})`);
  const before = trafficOf(version);
  const next = cutoverTraffic(values.api, before, to, canary);

  const receiving = canaryColor(next);
  if (receiving) {
    const [live, canaryShare] = await Promise.all([
      slotMigrationsOf(current.config, values.stack, values.api, next.live, root, "--canary"),
      slotMigrationsOf(current.config, values.stack, values.api, receiving, root, "--canary"),
    ]);
    const refusal = canaryRefusal(values.api, next.canaryPercent, live, canaryShare);
    if (refusal) throw new UsageError(`cutover refused: ${refusal}`, MIGRATION_REFUSED);
  }

  const header = `${current.path} · apiVersions.${values.api}: ${describeTraffic(before)} → ${describeTraffic(next)}`;
  const releases = COLORS.map((color) => `  ${color.padEnd(5)} ${version.slots[color].release}`).join("\n");
  if (before.live === next.live && before.canaryPercent === next.canaryPercent) {
    process.stdout.write(`${header}: nothing to change\n`);
    return;
  }

  // The release that gets traffic it did not have, against what the version serves live now.
  const receivingRelease = version.slots[receiving ?? next.live].release;
  const liveRelease = version.slots[before.live].release;
  // Every pin, for the schema rule: all of them run over the one database, whichever takes traffic.
  const lookup = await releaseLookup([receivingRelease, liveRelease, ...releasePins(current.config).map((pin) => pin.release)], current.config, root);
  const decision = decidePins({
    config: current.config,
    stack: values.stack,
    checks: [checkAgainstLive(current.config, values.api, receivingRelease, lookup)],
    named: true,
    allowBreaking: values["allow-breaking"] === true,
    command: "cutover",
    strict: inCi(),
  });
  // What rollback goes back to: the traffic before this cutover, and the release it served.
  const edits: ConfigEdit[] = [...trafficEdits(values.api, next), ...rollbackRecordEdits(values.api, before, liveRelease)];
  const publishes = version.preview === true && next.canaryPercent === 0;
  if (publishes) edits.push({ path: ["apiVersions", values.api, "preview"], remove: true });
  const edited = editStack(current, edits);
  const schemaNotes = assertSchemaRule(edited.config, lookup, { command: "cutover", strict: inCi() }).map((note) => `note: ${note}`);
  const notes = [...decision.lines, ...schemaNotes, ...(publishes ? [`${values.api} leaves preview: from now on, releases that break what it serves are refused`] : [])];
  process.stdout.write(`${header}\n${releases}\n${notes.map((line) => `${line}\n`).join("")}${showChange(current, edited)}\n`);
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return;
  }
  // The guard is built before anything is written: a bad flag must not leave a cutover half done.
  const windowMs = values.guard === undefined ? 0 : parseDuration(values.guard, "--guard");
  const trafficFlags = { telemetry: values.telemetry, "traffic-window": values["traffic-window"], "min-calls": values["min-calls"] };
  // The color that gets new traffic is judged against the one that was live before.
  const colors = { baseline: before.live, candidate: to };
  const traffic = values.guard === undefined ? undefined : trafficGuardFrom(trafficFlags, { apiVersion: values.api, watchMs: windowMs, stack: { name: values.stack, config: edited.config, colors } });
  writeStack(edited);
  process.stdout.write(`wrote ${current.path}\n`);
  if (!values.guard) {
    process.stdout.write(`next: npm run plan -- --stack ${values.stack} --diff HEAD, then pulumi up -s ${values.stack}\n`);
    return;
  }

  const url = new URL(values.url ?? `https://${edited.config.domain}${version.route}/mcp`);
  const outcome = await guardCutover({
    root,
    stack: values.stack,
    api: values.api,
    url,
    apply: values.apply ?? `pulumi up --yes --skip-preview --stack ${values.stack}`,
    windowMs,
    ...(traffic ? { traffic } : {}),
    intervalMs: values.interval === undefined ? 5000 : parseDuration(values.interval, "--interval"),
    maxErrorRate: values["max-error-rate"] === undefined ? 0.01 : Number(values["max-error-rate"]),
    headers: headersFrom(values),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  if (!outcome.held) throw new UsageError(`cutover rolled back: ${outcome.reason}`);
});
