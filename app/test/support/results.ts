import assert from "node:assert/strict";

/** The structured content of a tool result, failing the test when there is none. */
export function structured(result: unknown): Record<string, any> {
  const value = (result as { structuredContent?: Record<string, any> }).structuredContent;
  assert.ok(value, `expected structured content in ${JSON.stringify(result)}`);
  return value;
}
