// Test-only tools that misbehave on purpose (throw, never answer, eat memory). Never part of the shipped catalog,
// nor of the conformance fixtures (app/src/fixtures/conformance/, served with MCP_FIXTURES=conformance).
import { z } from "zod";
import { defineTool } from "../../src/tools/define.ts";
import { memoryHog } from "./memory-hog.ts";

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

export const fixtureTools = [explode, hang, memoryHog];
