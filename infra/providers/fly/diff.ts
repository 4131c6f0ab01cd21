/**
 * The diff every Fly resource uses: compare the declared inputs of the old
 * outputs with the new inputs; some keys force a replacement, the rest update in
 * place. `__provider` (the serialized provider) and computed outputs are never
 * compared, so moving the repository or editing provider code changes nothing.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface DiffRules<K extends string> {
  /** Every input key that the resource reads. */
  inputs: readonly K[];
  /** Keys whose change means a new resource. */
  replaceOn: readonly K[];
  /** Finer rules for keys where only part of a change means a new resource. */
  replaceIf?: Partial<Record<K, (old: unknown, next: unknown) => boolean>>;
  /** Keys that are only hints at creation time and never cause an update. */
  ignore?: readonly K[];
  /**
   * Given the old outputs and the new inputs of a replacement: must the old
   * resource go first, because the new one would collide with it (a name Fly
   * keeps unique, a volume only one machine can mount)?
   */
  deleteBeforeReplace?: (olds: Record<string, unknown>, news: Record<string, unknown>) => boolean;
}

export function diffResource<K extends string>(
  rules: DiffRules<K>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): pulumi.dynamic.DiffResult {
  const changed = rules.inputs.filter(
    (key) => !(rules.ignore ?? []).includes(key) && !sameValue(olds[key], news[key]),
  );
  if (changed.length === 0) return { changes: false };
  const replaces = changed.filter(
    (key) => rules.replaceOn.includes(key) || rules.replaceIf?.[key]?.(olds[key], news[key]) === true,
  );
  if (replaces.length === 0) return { changes: true };
  return {
    changes: true,
    replaces,
    deleteBeforeReplace: rules.deleteBeforeReplace?.(olds, news) ?? false,
  };
}

/** Deep equality of JSON values, where a missing key, `undefined` and `null` are alike. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(normalize(value)) ?? "null";
}

function normalize(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, normalize(v)]);
    return Object.fromEntries(entries);
  }
  return value;
}

/** Picks the declared input keys out of a props bag (for outputs that echo inputs). */
export function pickInputs<K extends string>(keys: readonly K[], props: Record<string, unknown>): Partial<Record<K, unknown>> {
  const picked: Partial<Record<K, unknown>> = {};
  for (const key of keys) if (props[key] !== undefined) picked[key] = props[key];
  return picked;
}

/** The value Pulumi passes to a provider for an input not known yet (during preview). */
export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when a value (or anything inside it) is not known yet, so checking it must wait. */
export function hasUnknown(value: unknown): boolean {
  if (value === unknownValue) return true;
  if (Array.isArray(value)) return value.some(hasUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(hasUnknown);
  return false;
}
