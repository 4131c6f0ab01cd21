/**
 * What `npm run tool:new` writes for each placement: a small working tool
 * (not a stub), its test through a real MCP client over HTTP, and for Modal
 * the Python handler. Each derives something visible from its input so the
 * generated test has something to check.
 */
export type NewToolPlacement = "edge" | "fly" | "modal";

/** `word_count` → `wordCount`: the exported constant of the definition. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

const BODIES: Record<NewToolPlacement, { description: string; input: string; example: string; handler: string; call: string; expected: string; prompt: string; arguments: string }> = {
  edge: {
    description: "Counts the characters and words of a text and returns it reversed. Runs on the edge; no side effects.",
    input: `z.object({ text: z.string().max(100_000).describe("The text to look at.") })`,
    example: `{ text: "hello world" }`,
    handler: `\n  handler: async ({ text }) => ({ characters: [...text].length, words: text.split(/\\s+/).filter(Boolean).length, reversed: [...text].reverse().join("") }),`,
    call: `{ text: "hello world" }`,
    expected: `{ characters: 11, words: 2, reversed: "dlrow olleh" }`,
    prompt: "How many characters and words are in the text: hello world",
    arguments: "{ text: hello world }",
  },
  fly: {
    description: "Counts how often each word occurs in a text, most frequent first. Runs on the Fly service; no side effects.",
    input: `z.object({ text: z.string().max(100_000).describe("The text whose words are counted.") })`,
    example: `{ text: "to be or not to be" }`,
    handler:
      `\n  handler: async ({ text }) => {\n    const counts = new Map<string, number>();\n` +
      `    for (const word of text.toLowerCase().split(/\\W+/).filter(Boolean)) counts.set(word, (counts.get(word) ?? 0) + 1);\n` +
      `    return { words: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([word, count]) => ({ word, count })) };\n  },`,
    call: `{ text: "to be or not to be" }`,
    expected: `{ words: [{ word: "be", count: 2 }, { word: "to", count: 2 }, { word: "not", count: 1 }, { word: "or", count: 1 }] }`,
    prompt: "Which words occur most often in this text: to be or not to be",
    arguments: "{ text: to be or not to be }",
  },
  modal: {
    description: "Sums a list of numbers and gives their count and mean. Computed in Python on Modal; no side effects.",
    input: `z.object({ numbers: z.array(z.number()).min(1).max(100_000).describe("The numbers to sum.") })`,
    example: `{ numbers: [1, 2, 3.5] }`,
    handler: "",
    call: `{ numbers: [1, 2, 3.5] }`,
    expected: `{ count: 3, sum: 6.5, mean: 6.5 / 3 }`,
    prompt: "What are the sum and the mean of 1, 2 and 3.5?",
    arguments: "{ numbers: [1, 2, 3.5] }",
  },
};

export function definitionSource(name: string, placement: NewToolPlacement): string {
  const body = BODIES[placement];
  const where = placement === "modal" ? `/** Computed in Python: \`@tool("${name}")\` in app/modal/${name}.py. */\n` : "";
  return (
    `import { z } from "zod";\nimport { defineTool } from "./define.ts";\n\n${where}export const ${camelCase(name)} = defineTool({\n` +
    `  name: "${name}",\n  placement: "${placement}",\n  description: ${JSON.stringify(body.description)},\n` +
    `  input: ${body.input},\n  example: ${body.example},${body.handler}\n});\n`
  );
}

export function pythonHandlerSource(name: string): string {
  return `"""The ${name} tool's handler (its definition: app/src/tools/${name}.ts)."""

from __future__ import annotations

from typing import Any

from handlers import Report, tool


# The arguments arrive checked against the input schema of the zod definition
# (tool_schemas.json): a call they don't fit is answered 400 before this runs.
@tool("${name}")
def ${name}(arguments: dict[str, Any], report: Report) -> dict[str, Any]:
    numbers = arguments["numbers"]
    total = sum(numbers)
    return {"count": len(numbers), "sum": total, "mean": total / len(numbers)}
`;
}

export function testSource(name: string, placement: NewToolPlacement): string {
  const body = BODIES[placement];
  const env = placement === "modal" ? `{ MCP_START_COMPUTE: "1" }` : `{ MCP_START_COMPUTE: "0" }`;
  return `import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { structured } from "./support/results.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer({ env: ${env} });
});
after(async () => {
  await server.stop();
  removeDataDir(server.dataDir);
});

test("${name} answers an MCP client over HTTP", async () => {
  const client = new Client({ name: "${name}-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
  try {
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === "${name}"));
    assert.deepEqual(structured(await client.callTool({ name: "${name}", arguments: ${body.call} })), ${body.expected});
  } finally {
    await client.close();
  }
});
`;
}

/** One eval case (evals/cases/<name>.yaml, docs/evals.md): the prompt is the generated tool's; a team writes its users' own. */
export function evalCaseSource(name: string, placement: NewToolPlacement): string {
  const body = BODIES[placement];
  return `# Written by npm run tool:new for ${name}. Change the prompt to one your users would type, and add
# near-misses against the tools it could be confused with (docs/evals.md, "The suite").
cases:
  - id: ${name.replace(/_/g, "-")}-clear-pick
    prompt: ${JSON.stringify(body.prompt)}
    expect: { tool: ${name}, arguments: ${body.arguments} }
`;
}
