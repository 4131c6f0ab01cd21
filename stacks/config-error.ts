/**
 * Turns zod issues into lines a person can act on:
 *   fly.regions[2]: "xyz" is not a Fly region (expected one of ams, arn, …)
 *   apiVersions.v2.route: must start with /
 */
import type * as z from "zod";
import { show } from "./rules.ts";

export class StackConfigError extends Error {
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[]) {
    const heading = `${source} has ${issues.length} invalid setting${issues.length === 1 ? "" : "s"}:`;
    super([heading, ...issues.map((line) => `  ${line}`)].join("\n"));
    this.name = "StackConfigError";
    this.issues = issues;
  }
}

/** `["fly", "regions", 2]` → `fly.regions[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(stack config)" : out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${show(value)}`;
}

function isDefaultMessage(message: string): boolean {
  return message.startsWith("Invalid") || message.startsWith("Too ") || message.startsWith("Unrecognized");
}

function explain(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) return isDefaultMessage(issue.message) ? `is required (expected ${issue.expected})` : issue.message;
      return isDefaultMessage(issue.message) ? `expected ${issue.expected}, got ${describe(input)}` : issue.message;
    case "invalid_key":
      return issue.issues.map((inner) => inner.message).join("; ");
    case "too_small":
      if (!isDefaultMessage(issue.message)) return issue.message;
      return issue.origin === "array"
        ? `must have at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}`
        : `${show(input)} is below ${issue.minimum}`;
    case "too_big":
      if (!isDefaultMessage(issue.message)) return issue.message;
      return issue.origin === "array" ? `must have at most ${issue.maximum} items` : `${show(input)} is above ${issue.maximum}`;
    case "invalid_value":
      return isDefaultMessage(issue.message)
        ? `${show(input)} is not allowed (expected one of ${issue.values.map(show).join(", ")})`
        : issue.message;
    default:
      return issue.message;
  }
}

/** One line per problem, each starting with the path of the bad value. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${formatPath([...issue.path, key])}: unknown key (${issue.message})`);
      continue;
    }
    lines.push(`${formatPath(issue.path)}: ${explain(issue)}`);
  }
  return lines;
}
