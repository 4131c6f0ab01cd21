/**
 * `npm run compat -- --stack <s> --api <v> --release <id> [--against <id>] [--json]`:
 * compares a release's MCP surface with what that API version serves live (the
 * release in its live slot), or with any other built or published release
 * (`--against`). Every difference is classed breaking, compatible or worth a
 * human look, with its tool, JSON path and why. Exit 4 when one is breaking.
 *
 * Without `--api` it compares with every API version of the stack; with
 * `--markdown` it prints the pull-request comment's section (exit 0).
 * `--release local` is the working tree's registry.
 */
import { parseArgs } from "node:util";
import { missingFlag, runCommand, UsageError } from "../cli.ts";
import { releaseLookup, type ReleaseRecord } from "../release-platform.ts";
import { RELEASE_PATTERN } from "../schema.ts";
import { readStack } from "../stack-file.ts";
import { BREAKING_REFUSED, compareReleases, howToPublish, predatesSurface } from "../compat/compare.ts";
import { type Comparison, renderJson, renderMarkdown, renderText } from "../compat/render.ts";

const USAGE = "usage: npm run compat -- --stack <name> --api <vN> --release <r-<12 hex>|local> [--against <r-<12 hex>>] [--json | --markdown]";

function releaseFlag(flag: string, value: string): string {
  if (!RELEASE_PATTERN.test(value)) throw new UsageError(`${flag}: ${JSON.stringify(value)} is not a release id (expected r-<12 hex>, or local for the working tree)`);
  return value;
}

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", short: "s" },
      api: { type: "string" },
      release: { type: "string" },
      against: { type: "string" },
      json: { type: "boolean" },
      markdown: { type: "boolean" },
      root: { type: "string" },
    },
  });
  if (!values.stack) throw missingFlag("--stack");
  if (!values.release) throw missingFlag("--release", "the release to check, e.g. the id npm run release:build printed, or local");
  const release = releaseFlag("--release", values.release);
  const against = values.against === undefined ? undefined : releaseFlag("--against", values.against);
  const root = values.root ?? ".";
  const { config, path } = readStack(root, values.stack);
  const known = Object.keys(config.apiVersions);
  if (values.api !== undefined && !known.includes(values.api)) {
    throw new UsageError(`--api ${values.api}: ${path} has no API version ${values.api} (expected one of ${known.join(", ")}; npm run api:add adds one)`);
  }
  const apis = values.api === undefined ? known : [values.api];
  const liveOf = (api: string) => config.apiVersions[api]!.slots[config.apiVersions[api]!.live].release;
  const lookup = await releaseLookup([release, ...(against ? [against] : apis.map(liveOf))], config, root);
  const read = (id: string): ReleaseRecord => {
    const record = lookup.get(id);
    if (!record) throw new UsageError(lookup.why(id) ?? `release ${id} cannot be read`);
    return record;
  };
  const subject = read(release);
  if (!subject.surface) throw new UsageError(predatesSurface(release));

  const comparisons: Comparison[] = apis.map((api) => {
    const version = config.apiVersions[api]!;
    const base = against ?? liveOf(api);
    const againstIs = against ? "given with --against" : `what ${api} serves live, ${version.live}`;
    try {
      return { api, release, against: base, againstIs, findings: compareReleases(read(base), subject) };
    } catch (error) {
      // Over every API version (the pull-request comment), one that cannot be compared is said, not fatal.
      if (values.api !== undefined || !(error instanceof UsageError)) throw error;
      return { api, release, against: base, againstIs, notCompared: error.message };
    }
  });

  if (values.markdown) {
    const heading = release === "local" ? "this tree's tools, prompts and resources against what each API version serves live" : `${release} against what each API version serves live`;
    process.stdout.write(`${renderMarkdown(values.stack, heading, comparisons)}\n`);
    return;
  }
  process.stdout.write(`${values.json ? renderJson(values.stack, comparisons) : renderText(values.stack, comparisons)}\n`);
  const broken = comparisons.filter((c) => c.findings?.some((f) => f.verdict === "breaking"));
  if (broken.length === 0) return;
  if (!values.json) for (const c of broken) process.stdout.write(`${c.api}: a pinned client of ${c.api} can fail. ${howToPublish(config, values.stack, c.api, release)}\n`);
  process.exitCode = BREAKING_REFUSED;
});
