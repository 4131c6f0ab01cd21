/**
 * A release a command cannot read: not in `.releases/`, and the artifact store
 * unreachable or without it. On a laptop the command says so and goes on: the
 * check it skipped is made again by `pulumi up`, or was a courtesy. In CI
 * (`CI=true`, as GitHub Actions sets it) it refuses, with the reason and exit
 * 5: a pipeline that cannot read what it pins would let a breaking release
 * through as "not compared", or split a migration release over both colors and
 * fail only at the apply, after the pins are on main.
 */
import { UsageError } from "./cli.ts";

/** Exit code of a command that refused because a release could not be read in CI. */
export const UNREAD_REFUSED = 5;

export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === "true" || env.CI === "1";
}

export interface Unread {
  release: string;
  /** Why it cannot be read, as the lookup said. */
  why: string;
}

/** The refusal of `command` in CI, naming each release it could not read and what it needed it for. */
export function unreadRefusal(command: string, purpose: string, unread: readonly Unread[]): UsageError {
  const lines = unread.map(({ release, why }) => `  ${release}: ${why}`);
  return new UsageError(
    `${command} refused in CI: ${purpose} needs ${unread.length === 1 ? "a release" : "releases"} that cannot be read here:\n${lines.join("\n")}\n` +
      "In CI (CI=true) nothing is pinned unread (expected the artifact store's read credentials in this job's environment, or the releases in .releases/ via npm run release:fetch)",
    UNREAD_REFUSED,
  );
}
