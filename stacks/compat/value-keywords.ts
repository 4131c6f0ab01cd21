/**
 * The keywords that bound a value: its type, the values it may take (enum,
 * const), its bounds (lengths, counts, numeric limits, multipleOf), its
 * pattern and format, and the items of an array. Each rule says whether a
 * change narrows or widens what the schema allows; the walk classes it by
 * direction (finding.ts).
 */
import { canonicalJson } from "../release/manifest.ts";
import { childPath, type SchemaObject } from "./json-schema.ts";
import { type KeywordRule, show } from "./walk.ts";

function typeSet(schema: SchemaObject): string[] | undefined {
  const type = schema.type;
  if (type === undefined) return undefined;
  return Array.isArray(type) ? (type as string[]) : [type as string];
}

/** Whether values of type `name` are allowed by `types` (an integer is a number). */
function allows(types: readonly string[], name: string): boolean {
  return types.includes(name) || (name === "integer" && types.includes("number"));
}

const listTypes = (types: readonly string[]) => types.join(" | ");

export const compareType: KeywordRule = (walk, path, before, after) => {
  const was = typeSet(before);
  const now = typeSet(after);
  const at = childPath(path, "type");
  if (was === undefined && now === undefined) return;
  if (was === undefined) return walk.effect(at, "narrows", `type restricted to ${listTypes(now!)}`);
  if (now === undefined) return walk.effect(at, "widens", `type restriction ${listTypes(was)} removed`);
  const lost = was.filter((name) => !allows(now, name));
  const gained = now.filter((name) => !allows(was, name));
  if (lost.length > 0 && gained.length > 0) walk.effect(at, "changes", `type changed from ${listTypes(was)} to ${listTypes(now)}`);
  else if (lost.length > 0) walk.effect(at, "narrows", `type narrowed from ${listTypes(was)} to ${listTypes(now)}`);
  else if (gained.length > 0) walk.effect(at, "widens", `type widened from ${listTypes(was)} to ${listTypes(now)}`);
};

function allowedValues(schema: SchemaObject): { keyword: "enum" | "const"; values: unknown[] } | undefined {
  if (schema.const !== undefined) return { keyword: "const", values: [schema.const] };
  if (Array.isArray(schema.enum)) return { keyword: "enum", values: schema.enum };
  return undefined;
}

export const compareValues: KeywordRule = (walk, path, before, after) => {
  const was = allowedValues(before);
  const now = allowedValues(after);
  if (!was && !now) return;
  if (!was) return walk.effect(childPath(path, now!.keyword), "narrows", `${now!.keyword} added: only ${show(now!.values)} allowed`);
  if (!now) return walk.effect(childPath(path, was.keyword), "widens", `${was.keyword} ${show(was.values)} removed: any value allowed`);
  const at = childPath(path, now.keyword);
  const wasKeys = new Set(was.values.map(canonicalJson));
  const nowKeys = new Set(now.values.map(canonicalJson));
  for (const value of was.values) if (!nowKeys.has(canonicalJson(value))) walk.effect(at, "narrows", `value ${show(value)} removed`);
  for (const value of now.values) if (!wasKeys.has(canonicalJson(value))) walk.effect(at, "widens", `value ${show(value)} added`);
};

/** Lower bounds: a larger value allows less. Upper bounds: a smaller value allows less. */
const LOWER = ["minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum"];
const UPPER = ["maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum"];

export const compareBounds: KeywordRule = (walk, path, before, after) => {
  for (const keyword of [...LOWER, ...UPPER]) {
    const was = before[keyword] as number | undefined;
    const now = after[keyword] as number | undefined;
    if (was === now) continue;
    const at = childPath(path, keyword);
    if (was === undefined) walk.effect(at, "narrows", `${keyword} ${now} added (a bound tightened)`);
    else if (now === undefined) walk.effect(at, "widens", `${keyword} ${was} removed (a bound loosened)`);
    else {
      const tighter = LOWER.includes(keyword) ? now > was : now < was;
      walk.effect(at, tighter ? "narrows" : "widens", `${keyword} ${was} → ${now} (${tighter ? "tightened" : "loosened"})`);
    }
  }
};

export const compareMultipleOf: KeywordRule = (walk, path, before, after) => {
  const was = before.multipleOf as number | undefined;
  const now = after.multipleOf as number | undefined;
  if (was === now) return;
  const at = childPath(path, "multipleOf");
  if (was === undefined) return walk.effect(at, "narrows", `multipleOf ${now} added`);
  if (now === undefined) return walk.effect(at, "widens", `multipleOf ${was} removed`);
  // Every multiple of `was` is a multiple of `now` exactly when `was` is a multiple of `now`.
  if (Number.isInteger(was / now)) walk.effect(at, "widens", `multipleOf ${was} → ${now} (loosened)`);
  else if (Number.isInteger(now / was)) walk.effect(at, "narrows", `multipleOf ${was} → ${now} (tightened)`);
  else walk.effect(at, "changes", `multipleOf ${was} → ${now}`);
};

/**
 * `pattern` and `format`: added narrows, removed widens. A changed one is
 * breaking either way: whether one regular expression accepts every string
 * another does cannot be decided by comparing their text.
 */
export const compareStringRules: KeywordRule = (walk, path, before, after) => {
  for (const keyword of ["pattern", "format"]) {
    const was = before[keyword] as string | undefined;
    const now = after[keyword] as string | undefined;
    if (was === now) continue;
    const at = childPath(path, keyword);
    if (was === undefined) walk.effect(at, "narrows", `${keyword} ${show(now)} added`);
    else if (now === undefined) walk.effect(at, "widens", `${keyword} ${show(was)} removed`);
    else walk.effect(at, "changes", `${keyword} ${show(was)} → ${show(now)} (not provably looser)`);
  }
};

export const compareUniqueItems: KeywordRule = (walk, path, before, after) => {
  const was = before.uniqueItems === true;
  const now = after.uniqueItems === true;
  if (was === now) return;
  walk.effect(childPath(path, "uniqueItems"), now ? "narrows" : "widens", now ? "items must now be unique" : "items no longer need to be unique");
};

/** Array items: `items` for every position past `prefixItems`, and `prefixItems` position by position. */
export const compareItems: KeywordRule = (walk, path, before, after) => {
  const prefixBefore = (before.prefixItems as SchemaObject[] | undefined) ?? [];
  const prefixAfter = (after.prefixItems as SchemaObject[] | undefined) ?? [];
  const restBefore = (before.items as SchemaObject | boolean | undefined) ?? true;
  const restAfter = (after.items as SchemaObject | boolean | undefined) ?? true;
  for (let i = 0; i < Math.max(prefixBefore.length, prefixAfter.length); i++) {
    walk.compare(childPath(childPath(path, "prefixItems"), i), prefixBefore[i] ?? restBefore, prefixAfter[i] ?? restAfter);
  }
  if (before.items !== undefined || after.items !== undefined) walk.compare(childPath(path, "items"), restBefore, restAfter);
};

export const VALUE_RULES: readonly KeywordRule[] = [compareType, compareValues, compareBounds, compareMultipleOf, compareStringRules, compareUniqueItems, compareItems];

/** Keywords these rules (and the object rules) read; a change to any other is for a human to judge. */
export const MODELLED = new Set([
  "type", "enum", "const", "multipleOf", "pattern", "format", "uniqueItems", "items", "prefixItems",
  ...LOWER, ...UPPER,
  "properties", "required", "additionalProperties", "propertyNames",
  "anyOf", "oneOf", "$ref", "$defs", "definitions",
  "description", "title", "default", "examples", "deprecated", "$schema", "$comment", "$id", "readOnly", "writeOnly",
]);

