import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tools as registry } from "../../app/src/tools/index.ts";
import { schemaProblem } from "./judge.ts";
import { type EvalCase, loadSuite, parseCaseFile, unknownTools } from "./suite.ts";

const suite = loadSuite();
const expects = (c: EvalCase, tool: string) => "tool" in c.expect && c.expect.tool === tool;

test("the shipped suite has at least 25 cases, each naming only tools the registry defines, each schema valid", () => {
  assert.ok(suite.length >= 25, `${suite.length} cases`);
  assert.deepEqual(unknownTools(suite, new Set(registry.map((tool) => tool.name))), []);
  assert.deepEqual(suite.flatMap((c) => schemaProblem(c) ?? []), []);
});

test("it covers clear picks, both near-miss pairs both ways, argument extraction and prompts that need no tool", () => {
  const nearMiss = (tool: string, other: string) => suite.some((c) => expects(c, tool) && c.forbid.includes(other));
  assert.ok(nearMiss("kb_search", "note_list") && nearMiss("note_list", "kb_search"), "kb_search vs note_list, both ways");
  assert.ok(nearMiss("kb_put", "note_add") && nearMiss("note_add", "kb_put"), "kb_put vs note_add, both ways");
  assert.ok(suite.filter((c) => "tool" in c.expect && c.expect.arguments).length >= 5, "exact argument values");
  assert.ok(suite.filter((c) => "tool" in c.expect && c.expect.argumentsSchema).length >= 5, "arguments by schema");
  assert.ok(suite.filter((c) => "noTool" in c.expect).length >= 5, "no tool is the answer");
  assert.ok(suite.some((c) => c.before.length > 0), "a conversation before the prompt");
  for (const tool of registry) assert.ok(suite.some((c) => expects(c, tool.name)), `a case expects ${tool.name}`);
});

test("a case file that breaks the format is refused with its name and the path of each bad value", () => {
  const text = ["cases:", "  - id: Bad Id", "    prompt: hi", "    expect: { tool: kb_search, argumnts: { q: 1 } }", "    weight: -1", "  - id: ok", "    expect: { noTool: true }", "  - id: three", "    prompt: p", "    expect: 3"].join("\n");
  assert.throws(() => parseCaseFile("evals/cases/broken.yaml", text), (error: Error & { exitCode?: number }) => {
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /^evals\/cases\/broken\.yaml is not an eval case file:/);
    assert.match(error.message, /cases\[0\]\.id: lower-case words joined by - or _/);
    assert.match(error.message, /cases\[0\]\.expect\.argumnts: unknown key/);
    assert.match(error.message, /cases\[0\]\.weight: must be a positive number/);
    assert.match(error.message, /cases\[2\]\.expect: expected \{ tool: <name>, arguments\?, argumentsSchema\? \} or \{ noTool: true \}/);
    assert.match(error.message, /cases\[1\]\.prompt: is required/);
    return true;
  });
  assert.throws(() => parseCaseFile("x.yaml", "cases: [\n"), /^Error: x\.yaml: not YAML|x\.yaml: not YAML/);
});

test("ids are unique across the suite's files, and the second use names the first", () => {
  const dir = mkdtempSync(join(tmpdir(), "eval-cases-"));
  const one = "cases:\n  - id: same\n    prompt: hi\n    expect: { noTool: true }\n";
  writeFileSync(join(dir, "a.yaml"), one);
  writeFileSync(join(dir, "b.yaml"), one);
  assert.throws(() => loadSuite(dir), /b\.yaml: case id same is already used in .*a\.yaml/);
});

test("a case naming a tool the endpoint does not list is found before any model call", () => {
  const [c] = parseCaseFile("x.yaml", "cases:\n  - id: gone\n    prompt: p\n    expect: { tool: kb_find }\n    forbid: [kb_put]\n");
  assert.deepEqual(unknownTools([c!], new Set(["kb_put"])), ["x.yaml: case gone names tool kb_find, which the server does not list"]);
});

test("a case whose argument schema is not JSON Schema is refused by file and case", () => {
  const [c] = parseCaseFile("x.yaml", "cases:\n  - id: s\n    prompt: p\n    expect: { tool: echo, argumentsSchema: { type: 12 } }\n");
  assert.match(schemaProblem(c!) ?? "", /^x\.yaml: case s: expect\.argumentsSchema is not a valid JSON Schema/);
});
