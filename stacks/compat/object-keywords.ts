/**
 * The keywords of an object: its properties, which are required, and what
 * happens to keys it does not list (`additionalProperties`). These are not
 * symmetric between directions, so each rule says its class per direction:
 *
 * - a property removed from an input is breaking: a pinned client still sends
 *   it and the tool no longer reads it (or, with additionalProperties false,
 *   refuses the call); removed from an output, a client reading it finds nothing;
 * - a property added to an output, or an output opened to more keys, is
 *   compatible: a client ignores keys it does not know.
 */
import type { Verdict } from "./finding.ts";
import { childPath, type Schema, type SchemaObject } from "./json-schema.ts";
import { type KeywordRule, show } from "./walk.ts";

function propertiesOf(schema: SchemaObject): Record<string, Schema> {
  return (schema.properties as Record<string, Schema> | undefined) ?? {};
}

function requiredOf(schema: SchemaObject): Set<string> {
  return new Set((schema.required as string[] | undefined) ?? []);
}

/** `additionalProperties`: absent means any key is allowed. */
function extraKeys(schema: SchemaObject): Schema {
  return (schema.additionalProperties as Schema | undefined) ?? true;
}

export const compareProperties: KeywordRule = (walk, path, before, after) => {
  const input = walk.direction === "input";
  const wasProps = propertiesOf(before);
  const nowProps = propertiesOf(after);
  const wasRequired = requiredOf(before);
  const nowRequired = requiredOf(after);
  const names = [...new Set([...Object.keys(wasProps), ...wasRequired, ...Object.keys(nowProps), ...nowRequired])];
  const report = (name: string, verdict: Verdict, reason: string) => walk.report({ verdict, path: childPath(childPath(path, "properties"), name), reason });
  for (const name of names) {
    const was = name in wasProps || wasRequired.has(name);
    const now = name in nowProps || nowRequired.has(name);
    if (was && !now) {
      if (input) {
        const fate = extraKeys(after) === false ? "the call is refused" : "the tool ignores it";
        report(name, "breaking", `property ${show(name)} removed (or renamed): a pinned client still sends it, and ${fate}`);
      } else if (wasRequired.has(name)) {
        report(name, "breaking", `output property ${show(name)} removed (or renamed): a pinned client reading it finds nothing`);
      } else {
        report(name, "review", `optional output property ${show(name)} removed: pinned clients handle its absence, but one relying on it gets nothing now`);
      }
      continue;
    }
    if (!was && now) {
      if (!input) report(name, "compatible", `output property ${show(name)} added: pinned clients ignore keys they do not know`);
      else if (nowRequired.has(name)) report(name, "breaking", `required property ${show(name)} added: a pinned client does not send it, so its calls are refused`);
      else report(name, "compatible", `optional property ${show(name)} added: pinned clients that leave it out are served as before`);
      continue;
    }
    walk.compare(childPath(childPath(path, "properties"), name), wasProps[name] ?? true, nowProps[name] ?? true);
    const wasReq = wasRequired.has(name);
    const nowReq = nowRequired.has(name);
    if (wasReq === nowReq) continue;
    if (input) {
      if (nowReq) report(name, "breaking", `property ${show(name)} became required: a pinned client that leaves it out is refused`);
      else report(name, "compatible", `property ${show(name)} became optional: every call that was valid still is`);
    } else if (wasReq) {
      report(name, "breaking", `output property ${show(name)} is no longer required: a pinned client reading it may find nothing`);
    } else {
      report(name, "compatible", `output property ${show(name)} is now always present: every result still fits the schema pinned clients have`);
    }
  }
};

export const compareExtraKeys: KeywordRule = (walk, path, before, after) => {
  const was = extraKeys(before);
  const now = extraKeys(after);
  const at = childPath(path, "additionalProperties");
  if (was !== false && now === false) {
    if (walk.direction === "input") {
      walk.report({ verdict: "breaking", path: at, reason: "additionalProperties closed: a pinned client that sends a key not listed is refused" });
    } else {
      walk.report({ verdict: "compatible", path: at, reason: "additionalProperties closed: every result still fits the schema pinned clients have" });
    }
    return;
  }
  if (was === false && now !== false) {
    const why = walk.direction === "input" ? "every call that was valid still is" : "pinned clients ignore keys they do not know";
    walk.report({ verdict: "compatible", path: at, reason: `additionalProperties opened: ${why}` });
    return;
  }
  if (was === true && now === true) return;
  // Schemas for the values of unlisted keys (a record's values) compare as values.
  walk.compare(at, was, now);
};

export const comparePropertyNames: KeywordRule = (walk, path, before, after) => {
  if (before.propertyNames === undefined && after.propertyNames === undefined) return;
  walk.compare(childPath(path, "propertyNames"), (before.propertyNames as Schema | undefined) ?? true, (after.propertyNames as Schema | undefined) ?? true);
};

export const OBJECT_RULES: readonly KeywordRule[] = [compareProperties, compareExtraKeys, comparePropertyNames];
