/**
 * Renders an offline diff for people (Pulumi's symbols: `+` create, `~`
 * update, `+-` replace, `-` delete, each with the changed inputs) and for
 * tools (JSON). Secrets are never shown; unknown values read "(known after apply)".
 */
import { createHash } from "node:crypto";
import { isSecretValue } from "./evaluate.ts";
import { type ChangeKind, type ResourceChange, type StackDiff, UNKNOWN } from "./diff.ts";
import { redact, shortType } from "./render.ts";

const SYMBOL: Record<ChangeKind, string> = { create: "+ ", update: "~ ", replace: "+-", delete: "- " };

function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (typeof value === "string") return value.includes(UNKNOWN);
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

/** One value, as short as it can be while still telling two values apart. */
export function showValue(value: unknown): string {
  if (value === undefined || value === null) return "(none)";
  if (isSecretValue(value)) return "[secret]";
  if (containsUnknown(value)) return "(known after apply)";
  const text = typeof value === "string" ? value : JSON.stringify(redact(value));
  if (text.length <= 100) return typeof value === "string" ? JSON.stringify(value) : text;
  return `(${text.length} characters, sha256:${createHash("sha256").update(text).digest("hex").slice(0, 12)})`;
}

function changeLine(path: string, before: unknown, after: unknown, kind: ChangeKind): string {
  if (kind === "create") return `${path}: ${showValue(after)}`;
  if (isSecretValue(before) && isSecretValue(after)) return `${path}: [secret] changed`;
  return `${path}: ${showValue(before)} → ${showValue(after)}`;
}

export function renderChange(change: ResourceChange): string[] {
  const head = `${SYMBOL[change.kind]} ${shortType(change.type)}  ${change.name}${change.parent ? `  (in ${change.parent})` : ""}  ${change.kind}`;
  const lines = [head];
  for (const input of change.inputs) lines.push(`      ${changeLine(input.path, input.before, input.after, change.kind)}`);
  if (change.kind === "replace") {
    const why = change.replaceKeys.length > 0 ? `replaced because ${change.replaceKeys.join(", ")} changed` : "replaced";
    lines.push(`      ${why}${change.note ? `: ${change.note}` : ""}`);
  }
  return lines;
}

export function summary(diff: StackDiff): string {
  const { counts } = diff;
  return `Resources: ${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete, ${diff.unchanged} unchanged.`;
}

export function renderDiff(diff: StackDiff): string {
  if (diff.changes.length === 0) return `No resource changes.\n${summary(diff)}`;
  return [...diff.changes.flatMap(renderChange), "", summary(diff)].join("\n");
}

export function diffToJson(diff: StackDiff): object {
  return {
    counts: diff.counts,
    unchanged: diff.unchanged,
    changes: diff.changes.map((change) => ({
      kind: change.kind,
      type: change.type,
      name: change.name,
      parent: change.parent ?? null,
      replaceKeys: change.replaceKeys,
      note: change.note ?? null,
      inputs: change.inputs.map((input) => ({ path: input.path, before: showValue(input.before), after: showValue(input.after) })),
    })),
  };
}
