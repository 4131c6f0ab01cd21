/**
 * How the commands in this project end: a user's mistake prints what was wrong
 * and what was expected, and exits non-zero, without a stack trace; anything
 * else is a bug and keeps its trace.
 */
import { StackConfigError } from "./config-error.ts";

/** A mistake in how a command was called or in what it was asked to do. */
export class UsageError extends Error {
  /** The process exit code; 1 unless a caller can act on a finer one. */
  readonly exitCode: number;
  /** Print the command's usage after the message. */
  readonly withUsage: boolean;
  constructor(message: string, exitCode = 1, withUsage = false) {
    super(message);
    this.name = "UsageError";
    this.exitCode = exitCode;
    this.withUsage = withUsage;
  }
}

/** A required flag that was not given. */
export function missingFlag(flag: string, hint = ""): UsageError {
  return new UsageError(`${flag} is required${hint ? ` (${hint})` : ""}`, 1, true);
}

const USER_ERRORS = new Set([
  "UsageError",
  "StackConfigError",
  "ReleaseIntegrityError",
  "ArtifactStoreError",
  "ReleaseNotFoundError",
  "LocalBundleError",
  "MigrationSplitError",
  "StackNotFoundError",
  "SchemaParseError",
]);

function isUserError(error: unknown): error is Error {
  if (error instanceof StackConfigError) return true;
  if (!(error instanceof Error)) return false;
  if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) return true;
  return USER_ERRORS.has(error.name);
}

/** Whether the command line asks for usage (`--help` or `-h`, before any `--`). */
export function asksForHelp(argv: readonly string[] = process.argv.slice(2)): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

/**
 * Runs a command's body; `--help` prints the usage and exits 0; user errors
 * become one message on stderr and a non-zero exit.
 */
export async function runCommand(usage: string, body: () => Promise<void> | void): Promise<void> {
  if (asksForHelp()) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  try {
    await body();
  } catch (error) {
    if (!isUserError(error)) throw error;
    const parse = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") || (error instanceof UsageError && error.withUsage);
    process.stderr.write(`${error.message}${parse && usage ? `\n${usage}` : ""}\n`);
    process.exitCode = error instanceof UsageError ? error.exitCode : 1;
  }
}

/** `15m` → 900000, `30s` → 30000, `500ms` → 500, `1h` → 3600000. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a duration (expected e.g. 30s, 15m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(match[1]) * unit);
}
