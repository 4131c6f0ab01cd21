/**
 * Edits a `Pulumi.<stack>.yaml` the way a person would: only the values that
 * change, with every comment, the key order and the formatting kept (the
 * `yaml` library's Document API). Paths are in the project's namespace:
 * `["apiVersions", "v1", "live"]` is `config."mcp-hosting:apiVersions".v1.live`.
 */
import { isScalar, parseDocument } from "yaml";
import { PROJECT } from "./load.ts";

/** Sets a value (adding the keys on its path that are missing), or removes a key. */
export type ConfigEdit = { path: (string | number)[]; value: string | number | boolean } | { path: (string | number)[]; remove: true };

export function documentPath(path: readonly (string | number)[]): (string | number)[] {
  const [first, ...rest] = path;
  return ["config", `${PROJECT}:${String(first)}`, ...rest];
}

/** Applies `edits` to the text of a stack file and returns the new text. */
export function applyEdits(text: string, edits: readonly ConfigEdit[]): string {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(`cannot edit a stack file that is not valid YAML: ${document.errors[0]?.message}`);
  for (const edit of edits) {
    const path = documentPath(edit.path);
    if ("remove" in edit) {
      document.deleteIn(path);
      continue;
    }
    const node = document.getIn(path, true);
    if (isScalar(node)) node.value = edit.value;
    else document.setIn(path, edit.value);
  }
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The lines that differ, as `-old` / `+new` with a line of context around each change. */
export function lineDiff(before: string, after: string, context = 1): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  // Longest common subsequence table, from the end.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: { op: " " | "-" | "+"; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ op: " ", line: a[i++]! }), j++;
    else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ op: "-", line: a[i++]! });
    else ops.push({ op: "+", line: b[j++]! });
  }
  const keep = ops.map((_, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((o) => o.op !== " "));
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (keep[k]) out.push(`${o.op} ${o.line}`);
    else if (keep[k - 1]) out.push("  …");
  });
  return out;
}
