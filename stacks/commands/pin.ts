/**
 * `npm run pin -- --stack staging --release r-… [--api v1] [--allow-breaking] [--unpublished] [--json]`:
 * puts a release into the idle slot of each API version (and the Fly release)
 * of one stack, as the deploy pipeline does after building it. Edits only
 * those pins. A migration release goes into both slots (see promote.ts).
 *
 * A release that breaks what an API version serves live is refused there
 * (exit 4), and the message says how to publish it as a new API version;
 * without `--api`, an older version it breaks keeps its release when a newer
 * one takes it (compat/pin-policy.ts). The Fly release must serve every pinned
 * edge release (compat/fly-contract.ts). A release that contracts the Node
 * database's schema goes into both slots, and is refused (exit 3) while a
 * release from before the contracting migration stays pinned anywhere in the
 * stack (compat/schema-rule.ts). A release that can be read neither
 * from `.releases/` nor from the artifact store is refused with the releases
 * that exist (a typo, or a build never published); `--unpublished` pins it
 * anyway, unchecked. `--initial` is a stack's first deploy: nothing is live
 * yet, so the release goes into both slots of every API version asked for,
 * and what the file pinned before (an example, or nothing real) is not read.
 * `--json` prints last
 * `{ "apis": [the versions to cut over], "migrationReleases": [...], "leftBehind": [...], "allowedBreaking": {...} }`.
 */
import { parseArgs } from "node:util";
import { inVersionOrder, RELEASE_PATTERN } from "../schema.ts";
import { missingFlag, runCommand, UsageError } from "../cli.ts";
import { flyContract, runtimeOf } from "../compat/fly-contract.ts";
import { checkAgainstLive, decidePins, type PinDecision } from "../compat/pin-policy.ts";
import { assertSchemaRule } from "../compat/schema-rule.ts";
import { releasePins } from "../pins.ts";
import { pinFly, pinInitial, pinToIdle } from "../promote.ts";
import { releaseLookup } from "../release-platform.ts";
import { describeKnown, knownReleases } from "../release/known.ts";
import { editStack, readStack, showChange, writeStack } from "../stack-file.ts";
import { inCi } from "../unread.ts";

const USAGE = "usage: npm run pin -- --stack <name> --release r-<12 hex> [--api <vN>]... [--initial] [--allow-breaking] [--unpublished] [--dry-run] [--json]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", short: "s" },
      release: { type: "string" },
      api: { type: "string", multiple: true },
      "allow-breaking": { type: "boolean" },
      unpublished: { type: "boolean" },
      initial: { type: "boolean" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      root: { type: "string" },
    },
  });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.release) throw missingFlag("--release", "e.g. the id npm run release:build printed");
  if (!RELEASE_PATTERN.test(values.release) || values.release === "local") throw new UsageError(`--release: ${JSON.stringify(values.release)} is not a release id (expected r-<12 hex>)`);
  const root = values.root ?? ".";
  const release = values.release;
  const target = readStack(root, values.stack);
  const known = Object.keys(target.config.apiVersions);
  const unknown = (values.api ?? []).find((api) => !known.includes(api));
  if (unknown) throw new UsageError(`${values.stack} has no API version ${unknown} (expected one of ${known.join(", ")}; npm run api:add adds one)`);
  const asked = inVersionOrder(values.api ?? known);
  // A first deploy replaces pins that name nothing live: only the release itself is read.
  const lookup = await releaseLookup(values.initial ? [release] : [release, ...releasePins(target.config).map((pin) => pin.release)], target.config, root);
  if (!lookup.get(release) && !values.unpublished) {
    const known = await knownReleases(target.config, root);
    throw new UsageError(
      `--release ${release} cannot be read here: ${lookup.why(release) ?? "not found"}. Known releases: ${describeKnown(known)}. ` +
        `(expected one of those; build it with npm run release:build and publish it with npm run release:publish -- --stack ${values.stack}, or pass --unpublished to pin it unchecked)`,
    );
  }

  // --unpublished is the spelled-out "unchecked"; otherwise CI reads every release it pins (unread.ts).
  const strict = inCi() && !values.unpublished;
  const decision: PinDecision = values.initial
    ? { apis: asked, leftBehind: [], allowedBreaking: {}, lines: [] }
    : decidePins({
        config: target.config,
        stack: values.stack,
        checks: asked.map((api) => checkAgainstLive(target.config, api, release, lookup)),
        named: values.api !== undefined,
        allowBreaking: values["allow-breaking"] === true,
        command: `pin ${release}`,
        strict,
      });
  const idle = values.initial
    ? pinInitial(target.config, values.stack, release, decision.apis)
    : pinToIdle(target.config, values.stack, release, decision.apis, {
        migrationsOf: (id) => lookup.get(id)?.worker.migrations,
        schemaOf: (id) => lookup.get(id)?.nodeSchema,
        whyUnread: (id) => lookup.why(id),
        strict,
        command: `pin ${release}`,
      });
  const fly = pinFly(target.config, release, (id) => runtimeOf(lookup, id));
  const edits = [...idle.edits, ...fly.edits];
  const edited = editStack(target, edits);
  const notes = [
    ...flyContract(edited.config, lookup),
    // A first deploy reads only the release: the other pins it leaves are examples, noted as unread.
    ...assertSchemaRule(edited.config, lookup, { command: `pin ${release}`, strict: strict && !values.initial }),
  ];

  const summary = () =>
    values.json &&
    process.stdout.write(`${JSON.stringify({ apis: idle.ready, migrationReleases: idle.migrationReleases, leftBehind: decision.leftBehind, allowedBreaking: decision.allowedBreaking })}\n`);
  const lines = [...decision.lines, ...idle.lines, ...fly.lines, ...notes.map((note) => `note: ${note}`)];
  process.stdout.write(`pin ${release} in ${values.stack}:\n${lines.map((line) => `  ${line}`).join("\n")}\n`);
  if (edits.length === 0) return void summary();
  process.stdout.write(`${showChange(target, edited)}\n`);
  if (values["dry-run"]) {
    process.stdout.write("dry run: nothing written\n");
    return void summary();
  }
  writeStack(edited);
  process.stdout.write(`wrote ${target.path}\n`);
  summary();
});
