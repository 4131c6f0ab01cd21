/**
 * A schema the checker cannot read is reported, never compared wrongly: the
 * message names the release, the tool, the JSON path and what was expected.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Surface } from "../release/surface.ts";
import { SchemaParseError } from "./json-schema.ts";
import { diffSurfaces } from "./surface-diff.ts";

const good: Surface = { protocolVersion: "2025-11-25", tools: [{ name: "kb_put", inputSchema: { type: "object", properties: { key: { type: "string" } } } }] };
const withInput = (inputSchema: Record<string, unknown>): Surface => ({ protocolVersion: "2025-11-25", tools: [{ name: "kb_put", inputSchema }] });
const compare = (after: Surface) => () => diffSurfaces({ release: "r-000000000001", surface: good }, { release: "r-000000000002", surface: after });

test("a pattern that is not a regular expression", () => {
  assert.throws(compare(withInput({ type: "object", properties: { key: { type: "string", pattern: "[a-z" } } })), (error: Error) => {
    assert.ok(error instanceof SchemaParseError);
    assert.equal(error.message, 'release r-000000000002, tool kb_put: a schema cannot be read: $.inputSchema.properties.key.pattern: is string "[a-z" (expected an ECMA-262 regular expression)');
    return true;
  });
});

test("a misspelled type, a bound that is not a number, a required that is not a list", () => {
  assert.throws(compare(withInput({ type: "object", properties: { key: { type: "strnig" } } })), /\$\.inputSchema\.properties\.key\.type: is string "strnig" \(expected one of null, boolean, object, array, number, integer, string, or a list of them\)/);
  assert.throws(compare(withInput({ type: "object", properties: { key: { type: "string", maxLength: "200" } } })), /key\.maxLength: is string "200" \(expected a whole number ≥ 0\)/);
  assert.throws(compare(withInput({ type: "object", required: "key" })), /\$\.inputSchema\.required: is string "key" \(expected a list of property names\)/);
});

test("a reference to nowhere, or outside the schema", () => {
  assert.throws(compare(withInput({ type: "object", properties: { tree: { $ref: "#/$defs/Tree" } } })), /tree\.\$ref: "#\/\$defs\/Tree" points at nothing in this schema \(expected a definition under \$defs\)/);
  assert.throws(compare(withInput({ type: "object", properties: { tree: { $ref: "https://example.com/tree.json" } } })), /is not a reference inside this schema \(expected # or #\/\$defs\/Name\)/);
});

test("a property schema that is not a schema", () => {
  assert.throws(compare(withInput({ type: "object", properties: { key: "string" } })), /\$\.inputSchema\.properties\.key: is string "string" \(expected a JSON Schema: an object, true or false\)/);
});
