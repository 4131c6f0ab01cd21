/**
 * A stack's config as it is somewhere else: in a file (any name), or in a git
 * ref (`Pulumi.<stack>.yaml` at that commit). Used to compare a config change
 * with what it changes, e.g. `npm run plan -- --stack prod --diff HEAD`.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";

import { parseStackText, type StackFile } from "./load.ts";

export class StackSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackSourceError";
  }
}

export interface StackSource extends StackFile {
  /** Where it came from, for people: `Pulumi.prod.yaml at HEAD~1`, or a file path. */
  label: string;
  text: string;
}

/**
 * Loads stack `stack` from `refOrFile`: an existing file is read as a stack
 * file; anything else is a git ref of the repository at `root`.
 */
export function loadStackSource(stack: string, refOrFile: string, root = "."): StackSource {
  const file = `Pulumi.${stack}.yaml`;
  if (existsSync(refOrFile) && statSync(refOrFile).isFile()) {
    const text = readFileSync(refOrFile, "utf8");
    return { ...parseStackText(text, stack, refOrFile), label: refOrFile, text };
  }
  let text: string;
  try {
    text = execFileSync("git", ["show", `${refOrFile}:./${file}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim().split("\n")[0];
    throw new StackSourceError(
      `--diff ${refOrFile}: not a file, and git cannot show ${file} at that ref (${stderr || "git failed"}); expected a stack file or a git ref such as HEAD or origin/main`,
    );
  }
  const label = `${file} at ${refOrFile}`;
  return { ...parseStackText(text, stack, label), label, text };
}

