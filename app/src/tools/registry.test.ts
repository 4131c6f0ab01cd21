import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { conformanceFixtures } from "../fixtures/conformance/index.ts";
import { definePrompt } from "./define-prompt.ts";
import { defineResource, expandTemplate, templateVariables } from "./define-resource.ts";
import { defineTool } from "./define.ts";
import { catalog, tools } from "./index.ts";

test("the registry has every placement, unique names, and examples that fit their schemas", () => {
  assert.deepEqual(new Set(tools.map((tool) => tool.placement)), new Set(["edge", "fly", "modal"]));
  assert.equal(new Set(tools.map((tool) => tool.name)).size, tools.length);
  for (const tool of tools) assert.equal(tool.input.safeParse(tool.example).success, true, tool.name);
});

test("names are unique per kind, with the fixtures added too, and the shipped catalog holds no fixture", () => {
  for (const kind of ["tools", "prompts", "resources"] as const) {
    const names = [...catalog[kind], ...conformanceFixtures[kind]].map((definition) => definition.name);
    assert.equal(new Set(names).size, names.length, kind);
    assert.deepEqual(catalog[kind].filter((definition) => conformanceFixtures[kind].includes(definition as never)), [], kind);
  }
  assert.ok(catalog.tools.every((tool) => !tool.name.startsWith("test_")));
});

test("the conformance fixtures are spread over every placement, for each kind", () => {
  assert.deepEqual(new Set(conformanceFixtures.tools.map((tool) => tool.placement)), new Set(["edge", "fly", "modal"]));
  assert.deepEqual(new Set(conformanceFixtures.prompts.map((prompt) => prompt.placement)), new Set(["edge", "fly", "modal"]));
  assert.deepEqual(new Set(conformanceFixtures.resources.map((resource) => resource.placement)), new Set(["edge", "fly", "modal"]));
});

test("defineTool refuses a bad name or an example that breaks the schema", () => {
  const input = z.object({ n: z.number() });
  assert.throws(() => defineTool({ name: "Bad-Name", placement: "modal", description: "d", input, example: { n: 1 } }), /expected snake_case/);
  assert.throws(() => defineTool({ name: "ok", placement: "modal", description: "d", input, example: { n: "x" } as never }), /example does not match/);
});

test("defineTool refuses an edge or fly tool without its handler, and a modal tool with a TypeScript one", () => {
  const input = z.object({ n: z.number() });
  for (const placement of ["edge", "fly"] as const) {
    assert.throws(() => defineTool({ name: "lost", placement, description: "d", input, example: { n: 1 } } as never), {
      message: `tool "lost" is placed on ${placement} but has no handler: expected handler: async (input, ctx) => result in its defineTool`,
    });
  }
  const handler = async () => "x";
  assert.throws(() => defineTool({ name: "stray", placement: "modal", description: "d", input, example: { n: 1 }, handler } as never), /tool "stray" is placed on modal, where its handler is Python \(@tool\("stray"\) in app\/modal\/stray\.py\): remove the TypeScript handler/);
});

test("definePrompt refuses arguments that are not strings and completers of arguments it does not have", () => {
  const handler = async () => ({ messages: [] });
  assert.throws(() => definePrompt({ name: "p", placement: "edge", description: "d", args: z.object({ n: z.number() }), example: { n: 1 }, handler }), /argument n must be a string/);
  assert.throws(
    () => definePrompt({ name: "p", placement: "edge", description: "d", args: z.object({ a: z.string() }), example: { a: "x" }, handler, complete: { b: async () => [] } as never }),
    /completer for b, which is not one of its arguments \(a\)/,
  );
});

test("defineResource refuses a template without variables, an example missing one, and a stray completer", () => {
  const read = async () => ({ text: "t" });
  assert.throws(() => defineResource({ name: "r", placement: "edge", description: "d", template: "x://fixed", example: {}, read }), /has no \{variable\}/);
  assert.throws(() => defineResource({ name: "r", placement: "edge", description: "d", template: "x://{id}", example: {}, read }), /no value for \{id\}/);
  assert.throws(
    () => defineResource({ name: "r", placement: "edge", description: "d", template: "x://{id}", example: { id: "1" }, read, complete: { key: async () => [] } }),
    /completer for key, which is not a variable of x:\/\/\{id\}/,
  );
});

test("templates expand as RFC 6570 levels 1 and 2: {name} percent-encodes, {+name} keeps reserved characters", () => {
  assert.deepEqual(templateVariables("kb://{key}/v/{+path}"), ["key", "path"]);
  assert.equal(expandTemplate("kb://{key}", { key: "runbooks/restore drill" }), "kb://runbooks%2Frestore%20drill");
  assert.equal(expandTemplate("file:///{+path}", { path: "a/b c" }), "file:///a/b%20c");
});
