/**
 * A stack file being edited by a command: read, edit, validate the result
 * with the same schema as the program, show the change, write.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseStackText, readStackFileText } from "./load.ts";
import type { StackConfig } from "./schema.ts";
import { applyEdits, type ConfigEdit, lineDiff } from "./stack-edit.ts";

export interface StackFileState {
  stack: string;
  path: string;
  text: string;
  config: StackConfig;
}

export function readStack(root: string, stack: string): StackFileState {
  const path = join(root, `Pulumi.${stack}.yaml`);
  const text = readStackFileText(path, stack);
  return { stack, path, text, config: parseStackText(text, { stack, source: path }).config };
}

/** The stack after `edits`, validated; nothing is written. */
export function editStack(state: StackFileState, edits: readonly ConfigEdit[]): StackFileState {
  const text = applyEdits(state.text, edits);
  return { ...state, text, config: parseStackText(text, { stack: state.stack, source: `${state.path} after the edit` }).config };
}

export function showChange(before: StackFileState, after: StackFileState): string {
  return lineDiff(before.text, after.text).join("\n");
}

export function writeStack(state: StackFileState): void {
  writeFileSync(state.path, state.text);
}
