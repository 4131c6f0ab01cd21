/**
 * The compatibility corpus: pairs of tool definitions, each published through
 * a real McpServer and listed over tools/list (so the schemas are the ones the
 * SDK sends, not zod's internals), each asserting the class of the change and
 * where it is. A few schemas are hand-written JSON Schema, as a server not
 * written with zod publishes them (the SDK's fromJsonSchema).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromJsonSchema, type JsonSchemaType, McpServer, type StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import { z } from "zod";
import { readSurface } from "../release/read-surface.ts";
import type { Surface } from "../release/surface.ts";
import { type Verdict, worstVerdict } from "./finding.ts";
import { diffSurfaces } from "./surface-diff.ts";

type Shape = z.ZodObject | JsonSchemaType;

interface ToolShape {
  input?: Shape;
  output?: Shape;
  description?: string;
  title?: string;
  readOnly?: boolean;
}

interface Case {
  name: string;
  /** The tools of each side, by name; a bare schema is the input of one tool named `t`. */
  before: Shape | Record<string, ToolShape>;
  after: Shape | Record<string, ToolShape>;
  expect: Verdict | "unchanged";
  /** Where the finding of that class is. */
  path?: string;
  tool?: string;
}

const isZod = (shape: unknown): shape is z.ZodObject => shape instanceof z.ZodType;
const asSchema = (shape: Shape): StandardSchemaWithJSON => (isZod(shape) ? (shape as unknown as StandardSchemaWithJSON) : fromJsonSchema(shape));
const isTools = (side: Case["before"]): side is Record<string, ToolShape> => !isZod(side) && !("type" in side) && !("properties" in side);

async function publish(side: Case["before"]): Promise<Surface> {
  const tools: Record<string, ToolShape> = isTools(side) ? side : { t: { input: side } };
  const server = new McpServer({ name: "corpus", version: "1.0.0" }, { capabilities: { tools: {} } });
  for (const [name, tool] of Object.entries(tools)) {
    server.registerTool(
      name,
      {
        description: tool.description ?? "A tool.",
        ...(tool.title ? { title: tool.title } : {}),
        inputSchema: asSchema(tool.input ?? z.object({})),
        ...(tool.output ? { outputSchema: asSchema(tool.output) } : {}),
        annotations: { readOnlyHint: tool.readOnly ?? true },
      },
      async () => ({ content: [] }),
    );
  }
  return readSurface(server);
}

const o = z.object;
const s = z.string();
const kind = (value: string, extra: z.ZodRawShape = {}) => o({ kind: z.literal(value), ...extra });
const Tree: z.ZodType = z.lazy(() => o({ name: s, children: z.array(Tree) }));
const TreeWithSize: z.ZodType = z.lazy(() => o({ name: s, size: z.number().optional(), children: z.array(TreeWithSize) }));
const TreeNeedsSize: z.ZodType = z.lazy(() => o({ name: s, size: z.number(), children: z.array(TreeNeedsSize) }));
const output = (schema: Shape): Record<string, ToolShape> => ({ t: { output: schema } });

const P = "$.inputSchema.properties";
const OUT = "$.outputSchema.properties";

export const CORPUS: Case[] = [
  // Tools
  { name: "identical tools", before: o({ q: s }), after: o({ q: s }), expect: "unchanged" },
  { name: "a tool removed", before: { a: {}, b: {} }, after: { a: {} }, expect: "breaking", tool: "b", path: "$" },
  { name: "a tool added", before: { a: {} }, after: { a: {}, b: {} }, expect: "compatible", tool: "b", path: "$" },
  { name: "a tool renamed", before: { kb_find: {} }, after: { kb_search: {} }, expect: "breaking", tool: "kb_find", path: "$" },
  { name: "a tool description changed", before: { t: { description: "Finds notes." } }, after: { t: { description: "Finds notes and files." } }, expect: "review", path: "$.description" },
  { name: "a tool title added", before: { t: {} }, after: { t: { title: "Search" } }, expect: "compatible", path: "$.title" },
  { name: "the read-only hint flipped", before: { t: { readOnly: true } }, after: { t: { readOnly: false } }, expect: "review", path: "$.annotations.readOnlyHint" },
  // Properties of an input
  { name: "an optional property added", before: o({ q: s }), after: o({ q: s, limit: z.number().optional() }), expect: "compatible", path: `${P}.limit` },
  { name: "a required property added", before: o({ q: s }), after: o({ q: s, scope: s }), expect: "breaking", path: `${P}.scope` },
  { name: "a property removed", before: o({ q: s, limit: z.number().optional() }), after: o({ q: s }), expect: "breaking", path: `${P}.limit` },
  { name: "a property renamed", before: o({ text: s }), after: o({ message: s }), expect: "breaking", path: `${P}.text` },
  { name: "an optional property made required", before: o({ q: s.optional() }), after: o({ q: s }), expect: "breaking", path: `${P}.q` },
  { name: "a required property made optional", before: o({ q: s }), after: o({ q: s.optional() }), expect: "compatible", path: `${P}.q` },
  { name: "a default given to a required property", before: o({ q: s }), after: o({ q: s.default("*") }), expect: "review", path: `${P}.q.default` },
  { name: "a default changed", before: o({ limit: z.number().default(10) }), after: o({ limit: z.number().default(50) }), expect: "review", path: `${P}.limit.default` },
  { name: "a property description changed", before: o({ q: s.describe("Words") }), after: o({ q: s.describe("Words or a phrase in quotes") }), expect: "review", path: `${P}.q.description` },
  { name: "a nested required property added", before: o({ filter: o({ tag: s }) }), after: o({ filter: o({ tag: s, since: s }) }), expect: "breaking", path: `${P}.filter.properties.since` },
  // Types
  { name: "number narrowed to integer", before: o({ n: z.number() }), after: o({ n: z.number().int() }), expect: "breaking", path: `${P}.n.type` },
  { name: "integer widened to number", before: o({ n: z.number().int() }), after: o({ n: z.number() }), expect: "compatible", path: `${P}.n.type` },
  { name: "string widened to string or number", before: o({ id: s }), after: o({ id: z.union([s, z.number()]) }), expect: "compatible", path: `${P}.id.type` },
  { name: "string or number narrowed to string", before: o({ id: z.union([s, z.number()]) }), after: o({ id: s }), expect: "breaking", path: `${P}.id.type` },
  { name: "string changed to number", before: o({ id: s }), after: o({ id: z.number() }), expect: "breaking", path: `${P}.id.type` },
  { name: "a string made nullable", before: o({ q: s }), after: o({ q: s.nullable() }), expect: "compatible", path: `${P}.q.type` },
  { name: "null no longer allowed", before: o({ q: s.nullable() }), after: o({ q: s }), expect: "breaking", path: `${P}.q.type` },
  { name: "an object made nullable", before: o({ f: o({ a: s }) }), after: o({ f: o({ a: s }).nullable() }), expect: "compatible", path: `${P}.f.anyOf[1]` },
  // Values
  { name: "an enum value removed", before: o({ fmt: z.enum(["csv", "tsv", "json"]) }), after: o({ fmt: z.enum(["csv", "json"]) }), expect: "breaking", path: `${P}.fmt.enum` },
  { name: "an enum value added", before: o({ fmt: z.enum(["csv", "json"]) }), after: o({ fmt: z.enum(["csv", "tsv", "json"]) }), expect: "compatible", path: `${P}.fmt.enum` },
  { name: "a free string made an enum", before: o({ fmt: s }), after: o({ fmt: z.enum(["csv", "json"]) }), expect: "breaking", path: `${P}.fmt.enum` },
  { name: "an enum opened to any string", before: o({ fmt: z.enum(["csv", "json"]) }), after: o({ fmt: s }), expect: "compatible", path: `${P}.fmt.enum` },
  { name: "a literal changed", before: o({ v: z.literal("2024") }), after: o({ v: z.literal("2025") }), expect: "breaking", path: `${P}.v.const` },
  // Bounds
  { name: "maxLength tightened", before: o({ q: s.max(500) }), after: o({ q: s.max(100) }), expect: "breaking", path: `${P}.q.maxLength` },
  { name: "maxLength loosened", before: o({ q: s.max(500) }), after: o({ q: s.max(1000) }), expect: "compatible", path: `${P}.q.maxLength` },
  { name: "a minLength added", before: o({ q: s }), after: o({ q: s.min(3) }), expect: "breaking", path: `${P}.q.minLength` },
  { name: "a minimum raised", before: o({ n: z.number().min(0) }), after: o({ n: z.number().min(1) }), expect: "breaking", path: `${P}.n.minimum` },
  { name: "a maximum raised", before: o({ n: z.number().max(50) }), after: o({ n: z.number().max(100) }), expect: "compatible", path: `${P}.n.maximum` },
  { name: "a maximum removed", before: o({ n: z.number().max(50) }), after: o({ n: z.number() }), expect: "compatible", path: `${P}.n.maximum` },
  { name: "made strictly positive", before: o({ n: z.number() }), after: o({ n: z.number().positive() }), expect: "breaking", path: `${P}.n.exclusiveMinimum` },
  { name: "a pattern added", before: o({ key: s }), after: o({ key: s.regex(/^[a-z]+$/) }), expect: "breaking", path: `${P}.key.pattern` },
  { name: "a pattern changed", before: o({ key: s.regex(/^[a-z]+$/) }), after: o({ key: s.regex(/^[a-z0-9]+$/) }), expect: "breaking", path: `${P}.key.pattern` },
  { name: "a pattern removed", before: o({ key: s.regex(/^[a-z]+$/) }), after: o({ key: s }), expect: "compatible", path: `${P}.key.pattern` },
  { name: "an email format required", before: o({ to: s }), after: o({ to: z.email() }), expect: "breaking", path: `${P}.to.format` },
  { name: "multipleOf made coarser", before: o({ n: z.number().multipleOf(5) }), after: o({ n: z.number().multipleOf(10) }), expect: "breaking", path: `${P}.n.multipleOf` },
  { name: "multipleOf made finer", before: o({ n: z.number().multipleOf(10) }), after: o({ n: z.number().multipleOf(5) }), expect: "compatible", path: `${P}.n.multipleOf` },
  // Arrays
  { name: "maxItems tightened", before: o({ tags: z.array(s).max(20) }), after: o({ tags: z.array(s).max(5) }), expect: "breaking", path: `${P}.tags.maxItems` },
  { name: "an array made non-empty", before: o({ tags: z.array(s) }), after: o({ tags: z.array(s).nonempty() }), expect: "breaking", path: `${P}.tags.minItems` },
  { name: "array items widened", before: o({ ids: z.array(s) }), after: o({ ids: z.array(z.union([s, z.number()])) }), expect: "compatible", path: `${P}.ids.items.type` },
  { name: "array items narrowed", before: o({ tags: z.array(s) }), after: o({ tags: z.array(s.max(10)) }), expect: "breaking", path: `${P}.tags.items.maxLength` },
  { name: "a tuple position narrowed", before: o({ at: z.tuple([z.number(), z.number()]) }), after: o({ at: z.tuple([z.number(), z.number().int()]) }), expect: "breaking", path: `${P}.at.prefixItems[1].type` },
  // Open and closed objects
  { name: "additionalProperties closed", before: o({ f: o({ a: s }) }), after: o({ f: z.strictObject({ a: s }) }), expect: "breaking", path: `${P}.f.additionalProperties` },
  { name: "additionalProperties opened", before: o({ f: z.strictObject({ a: s }) }), after: o({ f: o({ a: s }) }), expect: "compatible", path: `${P}.f.additionalProperties` },
  { name: "a record's values narrowed", before: o({ env: z.record(s, s) }), after: o({ env: z.record(s, s.max(64)) }), expect: "breaking", path: `${P}.env.additionalProperties.maxLength` },
  // Unions
  { name: "a union option removed", before: o({ by: z.discriminatedUnion("kind", [kind("id", { id: s }), kind("tag", { tag: s })]) }), after: o({ by: z.discriminatedUnion("kind", [kind("id", { id: s })]) }), expect: "breaking", path: `${P}.by.oneOf[1]` },
  { name: "a union option added", before: o({ by: z.discriminatedUnion("kind", [kind("id", { id: s })]) }), after: o({ by: z.discriminatedUnion("kind", [kind("id", { id: s }), kind("tag", { tag: s })]) }), expect: "compatible", path: `${P}.by.oneOf[1]` },
  { name: "a field of one union option made required", before: o({ by: z.discriminatedUnion("kind", [kind("id", { id: s }), kind("tag", { tag: s.optional() })]) }), after: o({ by: z.discriminatedUnion("kind", [kind("id", { id: s }), kind("tag", { tag: s })]) }), expect: "breaking", path: `${P}.by.oneOf[1].properties.tag` },
  // Recursive schemas ($ref)
  { name: "an optional field added deep in a recursive schema", before: o({ tree: Tree }), after: o({ tree: TreeWithSize }), expect: "compatible", path: `${P}.tree.properties.size` },
  { name: "a required field added deep in a recursive schema", before: o({ tree: Tree }), after: o({ tree: TreeNeedsSize }), expect: "breaking", path: `${P}.tree.properties.size` },
  // Outputs: what a pinned client reads
  { name: "an output property added", before: output(o({ id: s })), after: output(o({ id: s, url: s })), expect: "compatible", path: `${OUT}.url` },
  { name: "a required output property removed", before: output(o({ id: s, url: s })), after: output(o({ id: s })), expect: "breaking", path: `${OUT}.url` },
  { name: "an output property made optional", before: output(o({ id: s, url: s })), after: output(o({ id: s, url: s.optional() })), expect: "breaking", path: `${OUT}.url` },
  { name: "an output enum value added", before: output(o({ state: z.enum(["ok", "failed"]) })), after: output(o({ state: z.enum(["ok", "failed", "partial"]) })), expect: "breaking", path: `${OUT}.state.enum` },
  { name: "an output enum value removed", before: output(o({ state: z.enum(["ok", "failed", "partial"]) })), after: output(o({ state: z.enum(["ok", "failed"]) })), expect: "compatible", path: `${OUT}.state.enum` },
  { name: "an output type narrowed", before: output(o({ n: z.number() })), after: output(o({ n: z.number().int() })), expect: "compatible", path: `${OUT}.n.type` },
  { name: "an output bound loosened", before: output(o({ title: s.max(100) })), after: output(o({ title: s.max(1000) })), expect: "breaking", path: `${OUT}.title.maxLength` },
  { name: "an output schema removed", before: output(o({ id: s })), after: { t: {} }, expect: "breaking", path: "$.outputSchema" },
  { name: "an output schema added", before: { t: {} }, after: output(o({ id: s })), expect: "compatible", path: "$.outputSchema" },
  // Hand-written JSON Schema
  {
    name: "a keyword the checker does not model changed",
    before: { type: "object", properties: { q: { type: "string", not: { const: "" } } } },
    after: { type: "object", properties: { q: { type: "string", not: { enum: ["", "*"] } } } },
    expect: "review",
    path: `${P}.q.not`,
  },
  {
    name: "a definition used in two places narrowed: reported at the second place too",
    before: { type: "object", $defs: { Id: { type: "string" } }, properties: { from: { $ref: "#/$defs/Id" }, to: { $ref: "#/$defs/Id" } } },
    after: { type: "object", $defs: { Id: { type: "string", maxLength: 36 } }, properties: { from: { $ref: "#/$defs/Id" }, to: { $ref: "#/$defs/Id" } } },
    expect: "breaking",
    path: `${P}.to.maxLength`,
  },
  {
    name: "an exclusive maximum tightened in a hand-written schema",
    before: { type: "object", properties: { ratio: { type: "number", exclusiveMaximum: 1 } }, required: ["ratio"] },
    after: { type: "object", properties: { ratio: { type: "number", exclusiveMaximum: 0.5 } }, required: ["ratio"] },
    expect: "breaking",
    path: `${P}.ratio.exclusiveMaximum`,
  },
];

for (const c of CORPUS) {
  test(`${c.expect}: ${c.name}`, async () => {
    const findings = diffSurfaces({ release: "r-before", surface: await publish(c.before) }, { release: "r-after", surface: await publish(c.after) });
    const shown = findings.map((f) => `${f.verdict} ${f.tool} ${f.path}: ${f.reason}`).join("\n");
    assert.equal(worstVerdict(findings) ?? "unchanged", c.expect, shown);
    if (c.path) assert.ok(findings.some((f) => f.verdict === c.expect && f.path === c.path && f.tool === (c.tool ?? "t")), `a ${c.expect} finding at ${c.path}:\n${shown}`);
  });
}

test("the corpus has at least 40 cases, in every class", () => {
  const counts = Object.groupBy(CORPUS, (c) => c.expect);
  assert.ok(CORPUS.length >= 40, `${CORPUS.length} cases`);
  for (const verdict of ["breaking", "compatible", "review"] as const) assert.ok((counts[verdict]?.length ?? 0) >= 3, verdict);
});
