// How a trial, a case and a run are scored, and when a candidate is refused, with a scripted in-process model.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareRuns } from "./compare.ts";
import { judge, type ToolCall } from "./judge.ts";
import type { Model, ModelRequest } from "./models/model.ts";
import { describeUsage, listPrice, parsePrice } from "./prices.ts";
import { redactCredentials } from "./redact.ts";
import { runSuite } from "./run-suite.ts";
import { parseCaseFile } from "./suite.ts";

const cases = parseCaseFile(
  "scoring.yaml",
  `cases:
  - id: search
    prompt: find the restore runbook
    expect:
      tool: kb_search
      arguments: { limit: 3 }
      argumentsSchema: { required: [query], properties: { query: { pattern: "[Rr]estore" } } }
    forbid: [note_list]
    weight: 3
  - id: nothing
    prompt: hi
    expect: { noTool: true }
`,
);
const [search, nothing] = cases as [(typeof cases)[0], (typeof cases)[0]];
const call = (name: string, args: unknown = {}): ToolCall => ({ name, arguments: args });

test("a trial passes on the expected first call with the given values and a matching schema, and says why it fails otherwise", () => {
  assert.deepEqual(judge(search, [call("kb_search", { query: "Restore drill", limit: 3 })]), { pass: true, chosen: "kb_search" });
  assert.deepEqual(judge(search, [call("kb_search", { query: "restore", limit: 5 })]), { pass: false, chosen: "kb_search", reason: "argument limit is 5, expected 3" });
  assert.match(judge(search, [call("kb_search", { query: "backup", limit: 3 })]).reason!, /^arguments do not match the case's schema: \/query must match pattern/);
  assert.deepEqual(judge(search, [call("kb_put")]), { pass: false, chosen: "kb_put", reason: "called kb_put; expected kb_search" });
  assert.deepEqual(judge(search, []), { pass: false, chosen: "(no tool)", reason: "called no tool; expected kb_search" });
  assert.equal(judge(search, [call("kb_search", { query: "restore", limit: 3 }), call("note_list")]).reason, "called note_list, which this case forbids");
  assert.equal(judge(search, [call("kb_search", "{not json")]).reason, 'its arguments are "{not json", not an object');
  assert.deepEqual(judge(nothing, []), { pass: true, chosen: "(no tool)" });
  assert.equal(judge(nothing, [call("echo")]).reason, "called echo; no tool was expected");
});

/** A model that answers each case from a script, one answer per trial in turn. */
function scripted(answers: Record<string, ToolCall[][]>): Model & { seen: ModelRequest[] } {
  const turn: Record<string, number> = {};
  const seen: ModelRequest[] = [];
  return {
    provider: "openai",
    name: "scripted",
    endpoint: "http://127.0.0.1",
    seen,
    async ask(request) {
      seen.push(request);
      const prompt = request.conversation.at(-1)!.text;
      const id = prompt === "hi" ? "nothing" : "search";
      const n = (turn[id] = (turn[id] ?? -1) + 1);
      return { calls: answers[id]![n % answers[id]!.length]!, inputTokens: 100, outputTokens: 10 };
    },
  };
}

const good = [call("kb_search", { query: "restore", limit: 3 })];
const run = (model: Model, trials = 3) => runSuite({ url: new URL("http://127.0.0.1:1/v1/mcp"), tools: [], model, cases, trials, concurrency: 2 });

test("each case runs once per trial; its pass rate, the choice it made most, and the weighted accuracy follow", async () => {
  const model = scripted({ search: [good, [call("kb_put")], good], nothing: [[]] });
  const result = await run(model);
  assert.equal(model.seen.length, 6);
  const [s, n] = result.results;
  assert.deepEqual({ chosen: s!.chosen, choices: s!.choices, passes: s!.passes, trials: s!.trials }, { chosen: "kb_search", choices: { kb_search: 2, kb_put: 1 }, passes: 2, trials: 3 });
  assert.deepEqual(s!.failures, ["called kb_put; expected kb_search"]);
  assert.equal(n!.passRate, 1);
  assert.equal(result.passed, 1, "only the case that passed every trial counts as passed");
  assert.equal(result.accuracy, (3 * (2 / 3) + 1 * 1) / 4);
  assert.deepEqual(result.usage, { calls: 6, inputTokens: 600, outputTokens: 60 });
});

test("against a baseline: a case that passed every trial and now fails in most is a regression; one that slips once is not", async () => {
  const baseline = await run(scripted({ search: [good], nothing: [[]] }));
  const slipped = compareRuns(await run(scripted({ search: [good, good, [call("note_list")]], nothing: [[]] })), baseline);
  assert.equal(slipped.refusal, undefined);
  assert.deepEqual(slipped.regressions, []);
  const broken = compareRuns(await run(scripted({ search: [[call("note_list")], [call("note_list")], good], nothing: [[]] })), baseline);
  assert.deepEqual(broken.regressions.map((c) => c.id), ["search"]);
  assert.equal(broken.refusal, "1 case that passed every trial on the baseline now fails in most: search");
  assert.ok(broken.delta < 0);
});

test("--max-drop bounds the weighted accuracy's drop instead", async () => {
  const baseline = await run(scripted({ search: [good], nothing: [[]] }));
  const candidate = await run(scripted({ search: [[call("note_list")], [call("note_list")], good], nothing: [[]] }));
  assert.equal(compareRuns(candidate, baseline, 0.6).refusal, undefined);
  assert.match(compareRuns(candidate, baseline, 0.1).refusal ?? "", /^weighted accuracy dropped 50\.0 points, more than --max-drop 0\.1/);
});

test("the cost line counts calls and tokens, priced by list or by --price, and says so when no price is known", () => {
  const usage = { calls: 84, inputTokens: 120_000, outputTokens: 4_000 };
  assert.equal(listPrice("claude-sonnet-4-5-20250929")?.input, 3);
  assert.equal(listPrice("gpt-4.1-mini")?.input, 0.4, "the longest prefix wins");
  assert.match(describeUsage(usage, "claude-sonnet-4-5", listPrice("claude-sonnet-4-5")), /^model calls: 84 · 120,000 input and 4,000 output tokens · about \$0\.4200 at \$3\/\$15 per million tokens \(anthropic\.com\/pricing\)$/);
  assert.match(describeUsage(usage, "llama3", undefined), /no list price known for llama3: pass --price/);
  assert.match(describeUsage(usage, "llama3", parsePrice("0.1, 0.2")), /about \$0\.0128 .*\(--price\)/);
  assert.throws(() => parsePrice("cheap"), /--price: "cheap" is not <input>,<output> dollars per million tokens/);
});

test("error text from a model API loses the key, and anything shaped like one", () => {
  const env = { OPENAI_API_KEY: "local-secret-value-9" };
  assert.equal(redactCredentials("bad key local-secret-value-9 given", env), "bad key [redacted] given");
  assert.equal(redactCredentials("Incorrect API key provided: sk-pr****abcd.", env), "Incorrect API key provided: [redacted].");
});
