// Test-only tool: allocates 200 MB of heap, isolated in a worker whose heap is capped well below that.
import { z } from "zod";
import { defineTool } from "../../src/tools/define.ts";
import { HOG_MB, holdMemory } from "./memory-hog-handler.ts";

/** The fixture's isolation cap: well below what it asks for. */
export const HOG_LIMIT_MB = 64;

export const memoryHog = defineTool({
  name: "test_memory_hog",
  placement: "edge",
  description: `Test fixture: holds ${HOG_MB} MB of JavaScript arrays, in a worker capped at ${HOG_LIMIT_MB} MB.`,
  input: z.object({}),
  example: {},
  isolation: { module: new URL("./memory-hog-handler.ts", import.meta.url).href, export: "holdMemory", memoryMb: HOG_LIMIT_MB },
  handler: holdMemory,
});
