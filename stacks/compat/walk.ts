/**
 * What the keyword rules (value-keywords.ts, object-keywords.ts) get while two
 * schemas are compared: where they are, which way values flow, and how to
 * report a finding or compare two subschemas.
 */
import { type Direction, type Effect, effectFinding, type Finding } from "./finding.ts";
import type { Schema, SchemaObject } from "./json-schema.ts";

export interface Walk {
  tool: string;
  direction: Direction;
  report(finding: Omit<Finding, "tool">): void;
  /** Reports a change to the values allowed, classed by `effect` and the direction. */
  effect(path: string, effect: Effect, change: string): void;
  /** Compares two subschemas (of the before and the after schema) at `path`. */
  compare(path: string, before: Schema, after: Schema): void;
}

export type KeywordRule = (walk: Walk, path: string, before: SchemaObject, after: SchemaObject) => void;

export function makeWalk(tool: string, direction: Direction, out: Finding[], compare: Walk["compare"]): Walk {
  return {
    tool,
    direction,
    report: (finding) => out.push({ tool, ...finding }),
    effect: (path, effect, change) => out.push(effectFinding(tool, path, direction, effect, change)),
    compare,
  };
}

/** A keyword's value in a message: `"x"`, `5`, `["a","b"]`. */
export function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
