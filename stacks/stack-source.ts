/**
 * A stack's config as it was somewhere else: in another file, or at a git ref.
 * Tools that compare two versions of a stack (`npm run cost -- --diff`, the
 * offline plan diff) load the "before" side with readStackSource and the
 * "after" side with parseStackFile, so both are validated the same way.
 *
 *   readStackSource("origin/main", "prod")        // git show origin/main:./Pulumi.prod.yaml
 *   readStackSource("HEAD~1", "prod", { root })   // in another checkout
 *   readStackSource("/tmp/Pulumi.prod.yaml", "prod")  // a file, any name
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { StackConfigError } from "./config-error.ts";
import { parseStackText, type StackFile } from "./load.ts";

export interface StackSource extends StackFile {
  /** Where the config was read, as errors and reports name it. @example "origin/main:Pulumi.prod.yaml" */
  origin: string;
  kind: "file" | "git";
}

export interface StackSourceOptions {
  /** The project root: relative file paths and git run from here. @default "." */
  root?: string;
}

/** True when `source` names an existing file (relative to `root`); otherwise it is taken as a git ref. */
export function isFileSource(source: string, root = "."): boolean {
  const path = resolve(root, source);
  return existsSync(path) && statSync(path).isFile();
}

/**
 * Loads and validates stack `stack` from `source`: a path to a stack file (any
 * name), or a git ref (commit, branch, tag, `origin/main`, `HEAD~1`) whose tree
 * has `Pulumi.<stack>.yaml` at the root. Every failure is a StackConfigError
 * that names the source and what was expected.
 */
export function readStackSource(source: string, stack: string, options: StackSourceOptions = {}): StackSource {
  const root = options.root ?? ".";
  if (isFileSource(source, root)) {
    const path = resolve(root, source);
    return { ...parseStackText(readFileSync(path, "utf8"), { stack, source }), origin: source, kind: "file" };
  }
  const file = `Pulumi.${stack}.yaml`;
  const origin = `${source}:${file}`;
  if (source === "" || source.startsWith("-") || /\s/.test(source)) {
    throw new StackConfigError(origin, [`(source): ${JSON.stringify(source)} is neither a file nor a git ref (expected e.g. origin/main or path/to/${file})`]);
  }
  return { ...parseStackText(gitShow(source, file, root, origin), { stack, source: origin }), origin, kind: "git" };
}

/** The text of `file` (relative to `root`) at `ref`. */
function gitShow(ref: string, file: string, root: string, origin: string): string {
  try {
    return execFileSync("git", ["show", `${ref}:./${file}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim().split("\n")[0] ?? "";
    const why = /does not exist|exists on disk, but not in/.test(stderr)
      ? `${ref} has no ${file}`
      : /unknown revision|bad revision|invalid object name|not a valid object name/i.test(stderr)
        ? `${ref} is not a commit, branch or tag of this repository`
        : stderr || `git show failed`;
    throw new StackConfigError(origin, [`(git): ${why} (expected a file path, or a git ref whose tree has ${file})`]);
  }
}
