import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { defineTool } from "./define.ts";
import { tools } from "./index.ts";

test("the registry has every placement, unique names, and examples that fit their schemas", () => {
  assert.deepEqual(new Set(tools.map((tool) => tool.placement)), new Set(["edge", "fly", "modal"]));
  assert.equal(new Set(tools.map((tool) => tool.name)).size, tools.length);
  for (const tool of tools) assert.equal(tool.input.safeParse(tool.example).success, true, tool.name);
});

test("defineTool refuses a bad name or an example that breaks the schema", () => {
  const input = z.object({ n: z.number() });
  assert.throws(() => defineTool({ name: "Bad-Name", placement: "modal", description: "d", input, example: { n: 1 } }), /expected snake_case/);
  assert.throws(() => defineTool({ name: "ok", placement: "modal", description: "d", input, example: { n: "x" } as never }), /example does not match/);
});
