/**
 * The rule where pins move (`pin`, `promote`, `cutover`): a release that
 * breaks what an existing API version serves live never reaches it, because
 * clients pinned to `/vN` must never break (issue 15). It ships as a new API
 * version instead, or with `--allow-breaking` spelled out.
 *
 * - A version in preview (added by `api:add`, not yet cut over) has no
 *   clients: nothing is checked there.
 * - `pin` without `--api` (the deploy pipeline) leaves an older version the
 *   release breaks on what it serves, as long as a newer version takes the
 *   release: that is how old versions keep their clients after a breaking
 *   change shipped as a new version. A release that breaks the newest version
 *   asked for is refused.
 */
import { UsageError } from "../cli.ts";
import type { ReleaseLookup } from "../release-platform.ts";
import type { StackConfig } from "../schema.ts";
import { BREAKING_REFUSED, compareReleases, findingLine, howToPublish } from "./compare.ts";
import { describeCounts, type Finding } from "./finding.ts";
import { type Unread, unreadRefusal } from "../unread.ts";

/** `release` compared with what one API version serves live. */
export interface SurfaceCheck {
  api: string;
  /** The release the version serves live. */
  live: string;
  release: string;
  findings?: Finding[];
  /** Why there are no findings: preview, or a release that cannot be compared here. */
  unchecked?: string;
  /** The release that could not be read, with why, when that is the reason. */
  unread?: Unread;
  preview: boolean;
}

export function checkAgainstLive(config: StackConfig, api: string, release: string, lookup: ReleaseLookup): SurfaceCheck {
  const version = config.apiVersions[api]!;
  const live = version.slots[version.live].release;
  const check = { api, live, release, preview: version.preview === true };
  if (check.preview) return { ...check, unchecked: `in preview (added by npm run api:add, not yet cut over): no client depends on it, so breaking changes are not checked` };
  if (live === release) return { ...check, findings: [] };
  const records = [lookup.get(live), lookup.get(release)];
  const missing = [live, release].find((id, i) => !records[i]);
  if (missing) return { ...check, unchecked: `surface not compared: ${lookup.why(missing)}`, unread: { release: missing, why: lookup.why(missing) ?? "not found" } };
  const old = records.find((record) => !record!.surface);
  if (old) return { ...check, unchecked: `surface not compared: ${old.release} was built before manifests recorded the MCP surface` };
  return { ...check, findings: compareReleases(records[0]!, records[1]!) };
}

const isBreaking = (check: SurfaceCheck) => check.findings?.some((finding) => finding.verdict === "breaking") ?? false;
const breakingLines = (check: SurfaceCheck) => check.findings!.filter((f) => f.verdict === "breaking").map(findingLine);

/** What a check says, as lines: a summary, then every finding that is not merely compatible. */
export function describeCheck(check: SurfaceCheck): string[] {
  if (check.unchecked) return [`${check.api}: ${check.unchecked}`];
  if (check.live === check.release) return [];
  const findings = check.findings!;
  const shown = findings.filter((finding) => finding.verdict !== "compatible").map((finding) => `    ${findingLine(finding)}`);
  return [`${check.api}: MCP surface of ${check.release} against ${check.live} (live): ${describeCounts(findings)}`, ...shown];
}

export interface PinDecision {
  /** The API versions to pin the release to. */
  apis: string[];
  /** API versions the release breaks, left on what they serve. */
  leftBehind: string[];
  /** Breaking findings pinned anyway under --allow-breaking, by API version. */
  allowedBreaking: Record<string, string[]>;
  lines: string[];
}

export interface PinRequest {
  config: StackConfig;
  stack: string;
  /** The checks of the API versions asked for, oldest first. */
  checks: readonly SurfaceCheck[];
  /** True when the API versions were named (`--api`, a promotion): every one of them must take the release. */
  named: boolean;
  allowBreaking: boolean;
  /** The command, for messages. @example "pin" */
  command: string;
  /** Refuse when a release cannot be read, instead of noting it (in CI: unread.ts). @default false */
  strict?: boolean;
}

export function decidePins(request: PinRequest): PinDecision {
  const { checks } = request;
  const unread = checks.flatMap((check) => (check.unread ? [check.unread] : []));
  if (request.strict && unread.length > 0) throw unreadRefusal(request.command, "comparing the MCP surface with what is live", unread);
  const decision: PinDecision = { apis: [], leftBehind: [], allowedBreaking: {}, lines: [] };
  const broken = checks.filter(isBreaking);
  const newest = checks.at(-1);
  if (broken.length > 0 && !request.allowBreaking && (request.named || (newest && isBreaking(newest)))) {
    const detail = broken.map((check) => `${check.api} serves ${check.live} live, and ${check.release} breaks it:\n${breakingLines(check).map((line) => `  ${line}`).join("\n")}`);
    const last = broken.at(-1)!;
    throw new UsageError(`${request.command} refused: pinned clients would fail.\n${detail.join("\n")}\n${howToPublish(request.config, request.stack, last.api, last.release)}`, BREAKING_REFUSED);
  }
  const takers = checks.filter((check) => !isBreaking(check)).map((check) => check.api);
  for (const check of checks) {
    if (isBreaking(check) && request.allowBreaking) {
      decision.allowedBreaking[check.api] = breakingLines(check);
      decision.apis.push(check.api);
      decision.lines.push(`${check.api}: --allow-breaking: ${check.release} breaks what ${check.api} serves live (${check.live}) and is pinned anyway:`, ...breakingLines(check).map((line) => `    ${line}`));
    } else if (isBreaking(check)) {
      decision.leftBehind.push(check.api);
      decision.lines.push(
        `${check.api}: not pinned: ${check.release} breaks what ${check.api} serves live (${check.live}), and ${takers.join(", ")} take${takers.length === 1 ? "s" : ""} it; ${check.api} keeps serving ${check.live}:`,
        ...breakingLines(check).map((line) => `    ${line}`),
      );
    } else {
      decision.apis.push(check.api);
      decision.lines.push(...describeCheck(check));
    }
  }
  return decision;
}
