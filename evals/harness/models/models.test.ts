// Both APIs through their official SDKs against the stand-in model server: what is sent, and what comes back.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type StandInModel, startModelStandIn } from "../../../test/stand-ins/model.ts";
import { runSuite } from "../run-suite.ts";
import { parseCaseFile } from "../suite.ts";
import { anthropicModel } from "./anthropic.ts";
import { modelFromEnv } from "./from-env.ts";
import { type ListedTool, SYSTEM_PROMPT } from "./model.ts";
import { openAiModel } from "./openai.ts";

const KEY = "sk-stand-in-key-0123456789";
const TOOLS: ListedTool[] = [
  { name: "kb_search", description: "Full-text search over the team knowledge base.", inputSchema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { query: { type: "string" } }, required: ["query"] } },
  { name: "note_add", description: "Appends a note to this conversation's scratchpad.", inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } },
];
const REQUEST = { system: SYSTEM_PROMPT, conversation: [{ role: "user" as const, text: "we lost the db" }, { role: "assistant" as const, text: "What do you need?" }, { role: "user" as const, text: "search the kb for restore" }], tools: TOOLS };

let standIn: StandInModel;
before(async () => {
  standIn = await startModelStandIn({ key: KEY, policy: (request) => (request.turns.at(-1)!.text.includes("restore") ? { tool: "kb_search", arguments: { query: "restore" } } : { text: "no tool" }) });
});
after(() => standIn.close());

for (const [api, make] of [
  ["openai", () => openAiModel({ apiKey: KEY, baseURL: standIn.openAiBaseUrl, model: "gpt-stand-in" })],
  ["anthropic", () => anthropicModel({ apiKey: KEY, baseURL: standIn.anthropicBaseUrl, model: "claude-stand-in" })],
] as const) {
  test(`${api}: the tools go as listed (without $schema), with the system line and the conversation in order; the call comes back parsed`, async () => {
    const model = make();
    const answer = await model.ask(REQUEST);
    assert.deepEqual(answer.calls, [{ name: "kb_search", arguments: { query: "restore" } }]);
    assert.ok(answer.inputTokens > 0 && answer.outputTokens > 0);
    const seen = standIn.requests.at(-1)!;
    assert.equal(seen.api, api);
    assert.equal(seen.system, SYSTEM_PROMPT);
    assert.deepEqual(seen.turns, REQUEST.conversation.map((turn) => ({ role: turn.role, text: turn.text })));
    const { $schema: _dialect, ...schema } = TOOLS[0]!.inputSchema;
    assert.deepEqual(seen.tools, [
      { name: "kb_search", description: TOOLS[0]!.description, schema },
      { name: "note_add", description: TOOLS[1]!.description, schema: TOOLS[1]!.inputSchema },
    ]);
    assert.deepEqual((await model.ask({ ...REQUEST, conversation: [{ role: "user", text: "hello" }] })).calls, []);
  });

  test(`${api}: a wrong key is one clear error with the HTTP status, exit 3, and no key in it`, async () => {
    const wrong = "sk-wrong-key-abcdef987654";
    const model = api === "openai" ? openAiModel({ apiKey: wrong, baseURL: standIn.openAiBaseUrl, model: "m" }) : anthropicModel({ apiKey: wrong, baseURL: standIn.anthropicBaseUrl, model: "m" });
    const [c] = parseCaseFile("x.yaml", "cases:\n  - id: one\n    prompt: p\n    expect: { noTool: true }\n");
    await assert.rejects(runSuite({ url: new URL("http://127.0.0.1:1/mcp"), tools: TOOLS, model, cases: [c!], trials: 1, concurrency: 1 }), (error: Error & { exitCode?: number }) => {
      assert.equal(error.exitCode, 3);
      assert.match(error.message, new RegExp(`^${api} model m at http://127\\.0\\.0\\.1:\\d+ failed on case one \\(HTTP 401\\)`));
      assert.doesNotMatch(error.message, /wrong-key|abcdef|7654/);
      return true;
    });
  });
}

test("the environment picks the model: Anthropic first, EVAL_PROVIDER to choose, EVAL_MODEL required, nothing set is a skip", () => {
  assert.deepEqual(modelFromEnv({}), { skipped: "no model credentials: set ANTHROPIC_API_KEY, or OPENAI_API_KEY (with OPENAI_BASE_URL for an OpenAI-compatible server), and EVAL_MODEL" });
  const both = { ANTHROPIC_API_KEY: "a", OPENAI_API_KEY: "o", EVAL_MODEL: "m", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
  const pick = (env: NodeJS.ProcessEnv) => {
    const choice = modelFromEnv(env);
    return "model" in choice ? `${choice.model.provider} ${choice.model.endpoint}` : choice.skipped;
  };
  assert.equal(pick(both), "anthropic https://api.anthropic.com");
  assert.equal(pick({ ...both, EVAL_PROVIDER: "openai" }), "openai http://127.0.0.1:9");
  assert.equal(pick({ OPENAI_API_KEY: "o", EVAL_MODEL: "m", EVAL_PROVIDER: "anthropic" }), "EVAL_PROVIDER=anthropic but ANTHROPIC_API_KEY is not set");
  assert.throws(() => modelFromEnv({ OPENAI_API_KEY: "o" }), /EVAL_MODEL is not set: name the OpenAI-compatible model/);
  assert.throws(() => modelFromEnv({ EVAL_PROVIDER: "gemini" }), /EVAL_PROVIDER="gemini" is not a provider \(expected anthropic or openai\)/);
});
