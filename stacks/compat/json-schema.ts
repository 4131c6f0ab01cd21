/**
 * The part of JSON Schema 2020-12 (json-schema.org/draft/2020-12) the checker
 * reads: each keyword's value is checked for the shape the specification gives
 * it before anything is compared, so a schema that cannot be read is reported
 * with its path instead of being compared wrongly. References resolve inside
 * the same schema only (`#`, `#/$defs/…`, `#/definitions/…`), which is what
 * zod emits for recursive and reused schemas.
 */

export type Schema = boolean | SchemaObject;
export type SchemaObject = Record<string, unknown>;

/** A schema a release publishes that this checker cannot read. */
export class SchemaParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaParseError";
  }
}

const TYPE_NAMES = ["null", "boolean", "object", "array", "number", "integer", "string"];
const COUNTS = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains"];
const NUMBERS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];
const SCHEMA_MAPS = ["properties", "$defs", "definitions", "patternProperties", "dependentSchemas"];
const SCHEMA_LISTS = ["prefixItems", "anyOf", "oneOf", "allOf"];
const SUBSCHEMAS = ["items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains", "unevaluatedItems", "unevaluatedProperties"];

/** `$.a.b`, or `$.a["odd key"]` for a key that is not an identifier. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is SchemaObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Compiles a `pattern` as JSON Schema validators do: ECMA-262, with the `u` flag where the pattern allows it. */
export function compilePattern(pattern: string): RegExp | undefined {
  for (const flags of ["u", ""]) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // try the next flags
    }
  }
  return undefined;
}

/**
 * Checks `schema` (at `path`, for messages) and every schema inside it,
 * throwing a SchemaParseError that names the first bad keyword and what it
 * should hold. `root` is the schema its references resolve against.
 */
export function checkSchema(schema: unknown, path: string, root: unknown = schema): asserts schema is Schema {
  if (typeof schema === "boolean") return;
  if (!isObject(schema)) throw new SchemaParseError(`${path}: is ${describe(schema)} (expected a JSON Schema: an object, true or false)`);
  const bad = (key: string, expected: string) => new SchemaParseError(`${childPath(path, key)}: is ${describe(schema[key])} (expected ${expected})`);
  for (const [key, value] of Object.entries(schema)) {
    if (key === "type") {
      const names = Array.isArray(value) ? value : [value];
      if (names.length === 0 || !names.every((name) => typeof name === "string" && TYPE_NAMES.includes(name))) throw bad(key, `one of ${TYPE_NAMES.join(", ")}, or a list of them`);
    } else if (key === "required") {
      if (!Array.isArray(value) || !value.every((name) => typeof name === "string")) throw bad(key, "a list of property names");
    } else if (key === "enum") {
      if (!Array.isArray(value)) throw bad(key, "a list of values");
    } else if (COUNTS.includes(key)) {
      if (!Number.isInteger(value) || (value as number) < 0) throw bad(key, "a whole number ≥ 0");
    } else if (NUMBERS.includes(key)) {
      if (typeof value !== "number") throw bad(key, "a number");
    } else if (key === "multipleOf") {
      if (typeof value !== "number" || value <= 0) throw bad(key, "a number > 0");
    } else if (key === "pattern") {
      if (typeof value !== "string" || !compilePattern(value)) throw bad(key, "an ECMA-262 regular expression");
    } else if (["format", "description", "title", "$schema", "$comment"].includes(key)) {
      if (typeof value !== "string") throw bad(key, "a string");
    } else if (key === "uniqueItems") {
      if (typeof value !== "boolean") throw bad(key, "true or false");
    } else if (key === "$ref") {
      if (typeof value !== "string") throw bad(key, "a reference string, e.g. #/$defs/Name");
      resolveRef(value, root, childPath(path, key));
    } else if (SCHEMA_MAPS.includes(key)) {
      if (!isObject(value)) throw bad(key, "an object of schemas");
      for (const [name, inner] of Object.entries(value)) checkSchema(inner, childPath(childPath(path, key), name), root);
    } else if (SCHEMA_LISTS.includes(key)) {
      if (!Array.isArray(value) || value.length === 0) throw bad(key, "a non-empty list of schemas");
      value.forEach((inner, i) => checkSchema(inner, childPath(childPath(path, key), i), root));
    } else if (SUBSCHEMAS.includes(key)) {
      checkSchema(value, childPath(path, key), root);
    }
  }
}

/** The schema a local reference points at; anything else cannot be compared offline. */
export function resolveRef(ref: string, root: unknown, path: string): Schema {
  if (ref !== "#" && !ref.startsWith("#/")) throw new SchemaParseError(`${path}: ${JSON.stringify(ref)} is not a reference inside this schema (expected # or #/$defs/Name)`);
  let at: unknown = root;
  for (const raw of ref === "#" ? [] : ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    at = isObject(at) ? at[key] : Array.isArray(at) ? at[Number(key)] : undefined;
    if (at === undefined) throw new SchemaParseError(`${path}: ${JSON.stringify(ref)} points at nothing in this schema (expected a definition under $defs)`);
  }
  if (typeof at !== "boolean" && !isObject(at)) throw new SchemaParseError(`${path}: ${JSON.stringify(ref)} points at ${describe(at)} (expected a schema)`);
  return at;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}
