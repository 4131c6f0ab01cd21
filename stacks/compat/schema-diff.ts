/**
 * Compares two JSON Schemas of one tool (its input, or its output) and
 * reports every difference with its JSON path and class. The schemas are the
 * ones a release published (checked by json-schema.ts first); `$ref`s are
 * followed, recursive schemas compared once per pair of references.
 *
 * Unions (`anyOf`, `oneOf`) are compared option by option: for an input every
 * old option must still be accepted by some new one, for an output every new
 * option must fit some old one. `oneOf`'s exclusivity is not modelled.
 */
import { canonicalJson } from "../release/manifest.ts";
import type { Direction, Finding } from "./finding.ts";
import { childPath, resolveRef, type Schema, type SchemaObject } from "./json-schema.ts";
import { OBJECT_RULES } from "./object-keywords.ts";
import { MODELLED, VALUE_RULES } from "./value-keywords.ts";
import { makeWalk, show, type Walk } from "./walk.ts";

const ANNOTATIONS = new Set(["description", "title", "default", "examples", "deprecated", "$schema", "$comment", "$id", "readOnly", "writeOnly", "$defs", "definitions"]);

interface Roots {
  before: Schema;
  after: Schema;
}

interface Option {
  path: string;
  schema: Schema;
}

/** Findings for `before` → `after`, both already checked; `path` names where they sit, e.g. `$.inputSchema`. */
export function diffSchemas(tool: string, direction: Direction, path: string, before: Schema, after: Schema): Finding[] {
  const out: Finding[] = [];
  new Comparison({ before, after }, tool, direction).run(out, new Set(), path, before, after);
  return out;
}

class Comparison {
  readonly roots: Roots;
  readonly tool: string;
  readonly direction: Direction;

  constructor(roots: Roots, tool: string, direction: Direction) {
    this.roots = roots;
    this.tool = tool;
    this.direction = direction;
  }

  /**
   * Compares at `path`, reporting into `out`. `enclosing` holds the pairs of
   * references being compared around this point: meeting one again is a
   * recursive schema meeting itself, already under comparison. (A definition
   * reused side by side is compared at each place.)
   */
  run(out: Finding[], enclosing: ReadonlySet<string>, path: string, before: Schema, after: Schema): void {
    const b = expand(before, this.roots.before, path);
    const a = expand(after, this.roots.after, path);
    let inside = enclosing;
    if (b.refs.length > 0 || a.refs.length > 0) {
      const key = `${b.refs.join(" ")}|${a.refs.join(" ")}`;
      if (enclosing.has(key)) return;
      inside = new Set([...enclosing, key]);
    }
    const walk: Walk = makeWalk(this.tool, this.direction, out, (at, sub, next) => this.run(out, inside, at, sub, next));
    if (b.refs.length === 0 && a.refs.length === 0 && canonicalJson(b.schema) === canonicalJson(a.schema)) return;
    if (b.schema === false || a.schema === false) {
      if (b.schema !== a.schema) walk.effect(path, b.schema === false ? "widens" : "narrows", b.schema === false ? "was false (nothing allowed), now allows values" : "now false: nothing is allowed");
      return;
    }
    const was = b.schema === true ? {} : b.schema;
    const now = a.schema === true ? {} : a.schema;
    compareAnnotations(walk, path, was, now);
    const isUnion = (schema: SchemaObject) => Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf);
    if (isUnion(was) || isUnion(now)) return this.compareOptions(walk, out, optionsOf(was, path), optionsOf(now, path));
    for (const rule of [...VALUE_RULES, ...OBJECT_RULES]) rule(walk, path, was, now);
    for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
      if (MODELLED.has(key) || canonicalJson(was[key]) === canonicalJson(now[key])) continue;
      walk.report({ verdict: "review", path: childPath(path, key), reason: `${key} changed, which this checker does not model: judge whether it narrows what is allowed` });
    }
  }

  /**
   * An old option is kept when some new option fits it with nothing breaking
   * (for an input: accepts all it did; for an output: stays inside it), and a
   * new option is accounted for the same way. One lost on each side are
   * compared with each other; otherwise they are reported as removed and added.
   */
  compareOptions(walk: Walk, out: Finding[], before: Option[], after: Option[]): void {
    const trial = (b: Option, a: Option): Finding[] => {
      if (canonicalJson(b.schema) === canonicalJson(a.schema)) return [];
      const found: Finding[] = [];
      this.run(found, new Set(), a.path, b.schema, a.schema);
      return found;
    };
    const fits = (findings: Finding[]) => !findings.some((finding) => finding.verdict === "breaking");
    const trials = before.map((b) => after.map((a) => trial(b, a)));
    const lostOld = before.filter((_, i) => !trials[i]!.some(fits));
    const lostNew = after.filter((_, j) => !trials.some((row) => fits(row[j]!)));
    if (lostOld.length === 1 && lostNew.length === 1) {
      walk.compare(lostNew[0]!.path, lostOld[0]!.schema, lostNew[0]!.schema);
    } else {
      for (const option of lostOld) walk.effect(option.path, "narrows", `option ${show(option.schema)} removed`);
      for (const option of lostNew) walk.effect(option.path, "widens", `option ${show(option.schema)} added`);
    }
    // What changed inside each kept new option, from the old option it fits most closely.
    after.forEach((_, j) => {
      const closest = trials.map((row) => row[j]!).filter(fits).sort((x, y) => x.length - y.length)[0];
      if (closest) out.push(...closest);
    });
  }
}

/** Follows `$ref`s (keeping the keywords beside one), listing the references passed. */
function expand(schema: Schema, root: Schema, path: string): { schema: Schema; refs: string[] } {
  const refs: string[] = [];
  let at = schema;
  while (typeof at === "object" && typeof at.$ref === "string") {
    const { $ref, ...beside } = at;
    if (refs.includes($ref) || refs.length > 32) return { schema: true, refs };
    refs.push($ref);
    const target = resolveRef($ref, root, childPath(path, "$ref"));
    at = Object.keys(beside).length === 0 ? target : target === true ? beside : target === false ? false : { ...target, ...beside };
  }
  return { schema: at, refs };
}

function compareAnnotations(walk: Walk, path: string, before: SchemaObject, after: SchemaObject): void {
  const changed = (key: string) => canonicalJson(before[key]) !== canonicalJson(after[key]);
  if (changed("description")) {
    walk.report({ verdict: "review", path: childPath(path, "description"), reason: `description ${describeChange(before.description, after.description)}: descriptions steer models; watch the arguments they send` });
  }
  if (changed("title")) walk.report({ verdict: "compatible", path: childPath(path, "title"), reason: `title ${describeChange(before.title, after.title)}: display only` });
  if (walk.direction === "input" && changed("default")) {
    walk.report({ verdict: "review", path: childPath(path, "default"), reason: `default ${describeChange(before.default, after.default)}: a pinned client that leaves it out now gets a different value` });
  }
  if (changed("deprecated")) walk.report({ verdict: "review", path: childPath(path, "deprecated"), reason: `deprecated ${describeChange(before.deprecated, after.deprecated)}: tell the clients that use it` });
  if (changed("$schema")) {
    walk.report({ verdict: "review", path: childPath(path, "$schema"), reason: `dialect ${describeChange(before.$schema, after.$schema)}: validators may read the same keywords differently` });
  }
}

function describeChange(was: unknown, now: unknown): string {
  if (was === undefined) return `added (${show(now)})`;
  if (now === undefined) return `removed (was ${show(was)})`;
  return typeof was === "string" && typeof now === "string" && (was.length > 40 || now.length > 40) ? "changed" : `${show(was)} → ${show(now)}`;
}

function withoutAnnotations(schema: SchemaObject): SchemaObject {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !ANNOTATIONS.has(key)));
}

/** A schema's options: each `anyOf`/`oneOf` member with the keywords beside the union, or the schema itself. */
function optionsOf(schema: SchemaObject, path: string): { path: string; schema: Schema }[] {
  const keyword = Array.isArray(schema.anyOf) ? "anyOf" : Array.isArray(schema.oneOf) ? "oneOf" : undefined;
  if (keyword === undefined) return [{ path, schema: withoutAnnotations(schema) }];
  const { [keyword]: members, ...beside } = withoutAnnotations(schema);
  return (members as Schema[]).map((member, i) => ({
    path: childPath(childPath(path, keyword), i),
    schema: Object.keys(beside).length === 0 || typeof member === "boolean" ? member : { ...beside, ...member },
  }));
}
