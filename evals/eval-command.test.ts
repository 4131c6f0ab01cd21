/**
 * `npm run eval` as a team runs it: against the local server (node-main, what
 * `npm start` runs), through the official SDKs to the stand-in model server.
 * These tests cover the harness (what is sent, scoring, trials, the delta,
 * exit codes, the skip path); they make no claim about any real model.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { copyApp, type AppCopy } from "../app/test/support/app-copy.ts";
import { removeDataDir, startServer, type ServerProcess } from "../app/test/support/server-process.ts";
import { runScript } from "../test/fixtures/commands.ts";
import { readsDescriptions, type StandInModel, startModelStandIn } from "../test/stand-ins/model.ts";
import { listTools } from "./harness/listed-tools.ts";
import { loadSuite } from "./harness/suite.ts";

const KEY = "sk-eval-test-key-5f3a9c";
/** No model from the developer's own environment leaks into a test. */
const NO_MODEL = { ANTHROPIC_API_KEY: "", OPENAI_API_KEY: "", ANTHROPIC_BASE_URL: "", OPENAI_BASE_URL: "", EVAL_MODEL: "", EVAL_PROVIDER: "" };
const suite = loadSuite();

let server: ServerProcess;
let standIn: StandInModel;
const mcpUrl = () => `${server.origin}/v1/mcp`;
const openAi = () => ({ ...NO_MODEL, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: standIn.openAiBaseUrl, EVAL_MODEL: "stand-in-reader" });
const evalRun = (args: string[], env: Record<string, string>) => runScript("evals/main.ts", args, env);

before(async () => {
  [server, standIn] = await Promise.all([startServer(), startModelStandIn({ key: KEY, policy: readsDescriptions })]);
});
after(async () => {
  await Promise.all([server.stop(), standIn.close()]);
  removeDataDir(server.dataDir);
});

test("--json against the local server through OPENAI_BASE_URL: every case, three trials each, the tools exactly as tools/list gives them", { timeout: 120_000 }, async () => {
  const asked = standIn.requests.length;
  const run = await evalRun(["--url", mcpUrl(), "--json"], openAi());
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { model: string; cases: number; passed: number; accuracy: number; results: { id: string; expected: string; chosen: string; passRate: number; trials: number }[]; usage: { calls: number } };
  assert.equal(report.model, "stand-in-reader");
  assert.equal(report.cases, suite.length);
  assert.deepEqual(report.results.map((r) => r.id), suite.map((c) => c.id));
  for (const r of report.results) {
    assert.equal(r.trials, 3);
    assert.ok(r.passRate >= 0 && r.passRate <= 1 && typeof r.chosen === "string" && typeof r.expected === "string", JSON.stringify(r));
  }
  assert.equal(report.passed, report.results.filter((r) => r.passRate === 1).length);
  assert.ok(report.accuracy >= 0 && report.accuracy <= 1);
  const sent = standIn.requests.slice(asked);
  assert.equal(sent.length, 3 * suite.length);
  assert.equal(report.usage.calls, sent.length);
  const listed = await listTools(new URL(mcpUrl()));
  const asSent = listed.map(({ name, description, inputSchema: { $schema: _dialect, ...schema } }) => ({ name, description, schema }));
  for (const request of sent) assert.deepEqual(request.tools, asSent);
  assert.deepEqual(new Set(sent.map((request) => request.turns.at(-1)!.text)), new Set(suite.map((c) => c.prompt)));
  assert.match(run.stderr, new RegExp(`model calls: ${sent.length} · [\\d,]+ input and [\\d,]+ output tokens · no list price known for stand-in-reader`));
  assert.ok(!`${run.stdout}${run.stderr}`.includes(KEY), "the key is never printed");
});

test("through ANTHROPIC_BASE_URL, --markdown prints the table for a job summary", { timeout: 60_000 }, async () => {
  const env = { ...NO_MODEL, ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: standIn.anthropicBaseUrl, EVAL_MODEL: "claude-sonnet-4-5" };
  const run = await evalRun(["--url", mcpUrl(), "--markdown", "--trials", "2", "--only", "greeting,note-add-finding"], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^### Tool-selection evals: anthropic model `claude-sonnet-4-5`, 2 cases × 2 trials\n/);
  assert.match(run.stdout, /\| greeting \| \(no tool\) \| \(no tool\) \| 2\/2 \|/);
  assert.match(run.stdout, /model calls: 4 · .* at \$3\/\$15 per million tokens \(anthropic\.com\/pricing\)/);
});

describe("--against: a description made misleading in a copy of the repo", () => {
  let copy: AppCopy;
  let misled: ServerProcess;
  before(async () => {
    copy = copyApp();
    // note_add now reads like a version probe: a model that reads descriptions stops picking it for notes.
    copy.rewrite("src/tools/notes.ts", /"Appends a short note to this conversation's scratchpad\. [^]*?with note_list\.",/, '"Returns the server\'s build version and uptime, for diagnostics.",');
    misled = await startServer({ entry: copy.app("src/runtimes/node-main.ts") });
  });
  after(async () => {
    await misled.stop();
    removeDataDir(misled.dataDir);
    copy.remove();
  });

  test("is a regression against the unchanged server: exit 1, the cases named, the delta printed", { timeout: 120_000 }, async () => {
    const run = await evalRun(["--url", `${misled.origin}/v1/mcp`, "--against", mcpUrl(), "--if-changed"], openAi());
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /tools that changed: note_add: description changed/);
    assert.match(run.stdout, /^note-add-finding\s+note_add\s+note_add 3\/3\s+\S+ 0\/3\s+REGRESSION$/m);
    assert.match(run.stdout, /^delta: −\d+\.\d points$/m);
    assert.match(run.stderr, /^eval: regression: \d+ cases? that passed every trial on the baseline now fails? in most: .*note-add-finding/m);
  });

  test("the unchanged server against itself passes with a zero delta; --if-changed skips it without asking the model", { timeout: 120_000 }, async () => {
    const same = await evalRun(["--url", mcpUrl(), "--against", mcpUrl(), "--trials", "1"], openAi());
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /^delta: \+0\.0 points$/m);
    const asked = standIn.requests.length;
    const skipped = await evalRun(["--url", mcpUrl(), "--against", mcpUrl(), "--if-changed"], openAi());
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(skipped.stdout, "eval: skipped: both endpoints list the same tools with the same descriptions and schemas\n");
    assert.equal(standIn.requests.length, asked);
  });
});

test("no model configured: one line and exit 0, or exit 2 with --require-model; the server is not even asked", async () => {
  const skipped = await evalRun(["--url", "http://127.0.0.1:9/v1/mcp"], NO_MODEL);
  assert.equal(skipped.code, 0);
  assert.equal(skipped.stdout, "eval: skipped: no model credentials: set ANTHROPIC_API_KEY, or OPENAI_API_KEY (with OPENAI_BASE_URL for an OpenAI-compatible server), and EVAL_MODEL\n");
  assert.equal((await evalRun(["--url", "http://127.0.0.1:9/v1/mcp", "--json"], NO_MODEL)).stdout.trim().startsWith('{"skipped":'), true);
  const required = await evalRun(["--url", "http://127.0.0.1:9/v1/mcp", "--require-model"], NO_MODEL);
  assert.equal(required.code, 2);
  assert.match(required.stderr, /^eval: --require-model, but no model credentials/);
});

test("a suite out of step with the server, an unreachable endpoint and bad flags get their own exit codes before any model call", { timeout: 60_000 }, async () => {
  const asked = standIn.requests.length;
  const dir = mkdtempSync(join(tmpdir(), "eval-cases-"));
  writeFileSync(join(dir, "renamed.yaml"), "cases:\n  - id: old-name\n    prompt: find it\n    expect: { tool: kb_find }\n");
  const stale = await evalRun(["--url", mcpUrl(), "--cases", dir], openAi());
  assert.equal(stale.code, 2);
  assert.match(stale.stderr, /case old-name names tool kb_find, which the server does not list\nthe suite is out of step with http:\/\/127\.0\.0\.1:\d+\/v1\/mcp/);
  const down = await evalRun(["--url", "http://127.0.0.1:9/v1/mcp"], openAi());
  assert.equal(down.code, 3);
  assert.match(down.stderr, /^http:\/\/127\.0\.0\.1:9\/v1\/mcp: cannot open an MCP session/);
  const trials = await evalRun(["--url", mcpUrl(), "--trials", "0"], openAi());
  assert.equal(trials.code, 2);
  assert.match(trials.stderr, /--trials: "0" is not a whole number from 1 to 20/);
  assert.equal(standIn.requests.length, asked);
});
