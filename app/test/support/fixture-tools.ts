// Test-only tools: misbehaving on purpose. Never part of the shipped registry.
import { z } from "zod";
import { defineTool } from "../../src/tools/define.ts";

export const explode = defineTool({
  name: "test_explode",
  placement: "edge",
  description: "Test fixture: always throws.",
  input: z.object({}),
  example: {},
  handler: async () => {
    throw new Error("kaboom from the fixture");
  },
});

export const hang = defineTool({
  name: "test_hang",
  placement: "edge",
  description: "Test fixture: never answers.",
  input: z.object({}),
  example: {},
  handler: () => new Promise(() => undefined),
});

export const fixtureTools = [explode, hang];
