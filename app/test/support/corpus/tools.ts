// What reaches the tools: prototype-pollution keys, FTS5 query syntax in kb_search, CSV bombs for csv_profile.
import assert from "node:assert/strict";
import { jsonRpcMessage, type RawAnswer } from "../raw-http.ts";
import { call, inSession, modernCall, modernHeaders, post, type Case } from "./shape.ts";

/** The structured result of a successful tool call in the answer. */
function result(answer: RawAnswer): Record<string, any> {
  const message = jsonRpcMessage(answer) as { result?: { isError?: boolean; structuredContent?: Record<string, any>; content?: { text?: string }[] } };
  assert.ok(message.result, `a result: ${answer.body.slice(0, 300)}`);
  assert.notEqual(message.result.isError, true, message.result.content?.[0]?.text);
  return message.result.structuredContent ?? { text: message.result.content?.[0]?.text };
}

const unknownTool = (name: string): Case => ({
  name: `a tool named ${name}`,
  send: (t) => inSession(t, call(name, {})),
  expect: { status: 200, error: { code: -32602, message: new RegExp(`Tool ${name} not found`) } },
});

const search = (query: string): Case => ({
  name: `kb_search for ${JSON.stringify(query)}`,
  send: (t) => inSession(t, call("kb_search", { query })),
  expect: { status: 200, check: (answer) => assert.ok(Array.isArray(result(answer).hits)) },
});

const profile = (name: string, csv: string, check: (profile: Record<string, any>) => void, extra: object = {}): Case => ({
  name,
  send: (t) => inSession(t, call("csv_profile", { csv, ...extra })),
  expect: { status: 200, check: (answer) => check(result(answer)) },
});

export const PROTOTYPE_KEYS: Case[] = [
  unknownTool("constructor"),
  unknownTool("__proto__"),
  unknownTool("toString"),
  unknownTool("hasOwnProperty"),
  { name: "a tool named constructor in the 2026 era", send: () => post(modernCall("constructor", {}), modernHeaders("constructor")), expect: { status: 200, error: { code: -32602, message: /Tool constructor not found/ } } },
  {
    name: "echo with a __proto__ argument",
    send: (t) => inSession(t, JSON.parse('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"plain","__proto__":{"polluted":true}}}}')),
    expect: { status: 200, check: (answer) => assert.equal(result(answer).text, "plain") },
  },
  {
    name: "note_add with constructor.prototype",
    send: (t) => inSession(t, call("note_add", { text: "with a constructor key", constructor: { prototype: { polluted: true } } })),
    expect: { status: 200, check: (answer) => assert.equal(typeof result(answer).id, "number") },
  },
  {
    name: "note_list after it lists the note as text, nothing more",
    send: (t) => inSession(t, call("note_list", {})),
    expect: { status: 200, check: (answer) => assert.deepEqual(Object.keys(result(answer).notes.at(-1)).sort(), ["createdAt", "id", "text"]) },
  },
  {
    name: "a JSON-RPC message with a __proto__ member",
    send: (t) => inSession(t, '{"jsonrpc":"2.0","id":9,"method":"tools/list","__proto__":{"isAdmin":true}}'),
    expect: { status: 400, error: { code: -32600, message: /not a valid JSON-RPC message/ } },
  },
  {
    name: "kb_put of a document keyed __proto__ with prototype tags",
    send: (t) => inSession(t, call("kb_put", { key: "__proto__", title: "constructor", body: "prototype pollution probe", tags: ["__proto__", "constructor"] })),
    expect: { status: 200, check: (answer) => assert.equal(result(answer).key, "__proto__") },
  },
  {
    name: "kb_search finds the __proto__ document as a plain document",
    send: (t) => inSession(t, call("kb_search", { query: "pollution probe" })),
    expect: { status: 200, check: (answer) => assert.deepEqual(result(answer).hits.map((hit: { key: string }) => hit.key), ["__proto__"]) },
  },
];

export const FTS5_SYNTAX: Case[] = [
  search('"unbalanced quote'),
  search("NEAR("),
  search("NEAR(probe pollution, 2)"),
  search("title:secret"),
  search("{title body}: probe"),
  search("*"),
  search("AND OR NOT"),
  search("^probe -pollution +x"),
  search("probe*"),
  search("\u0000\u0001 control characters"),
];

const oneColumnPerCell = (columns: number, name = "c") => `${Array(columns).fill(name).join(",")}\n${Array(columns).fill("1").join(",")}\n`;

export const CSV_BOMBS: Case[] = [
  {
    name: "1,000,000 header columns in 2 MB",
    send: (t) => inSession(t, call("csv_profile", { csv: oneColumnPerCell(1_000_000) })),
    expect: { status: 200, tool: /csv: the header row has more than 1000 columns/ },
  },
  {
    name: "40,000 columns all named a, delimiter given",
    send: (t) => inSession(t, call("csv_profile", { csv: oneColumnPerCell(40_000, "a"), delimiter: "," })),
    expect: { status: 200, tool: /more than 1000 columns/ },
  },
  profile("1,000 columns all named a are renamed, in linear time", oneColumnPerCell(1000, "a"), (p) => {
    assert.equal(p.columns, 1000);
    assert.equal(p.header.at(-1), "a_1000");
  }),
  profile("an unclosed quote swallows the rest into one short row", 'a,b\n"never closed,1\n2,3\n', (p) => assert.deepEqual([p.rows, p.ragged_rows], [1, 1])),
  profile("a byte-order mark before the header", "\ufeffname,n\nx,1\n", (p) => assert.deepEqual(p.header, ["name", "n"])),
  profile("CR-only line endings", "a,b\r1,2\r3,4\r", (p) => assert.deepEqual([p.rows, p.columns], [2, 2])),
  profile("one cell of 100,000 characters is cut in the answer", `big\n${"z".repeat(100_000)}\n`, (p) => assert.equal(p.column_profiles[0].top[0].value.length, 200)),
  {
    name: "a header of delimiters only",
    send: (t) => inSession(t, call("csv_profile", { csv: ",,\n1,2,3\n", delimiter: "," })),
    expect: { status: 200, tool: /line 1: no header; the first row must name the columns/ },
  },
  {
    name: "a row wider than the header",
    send: (t) => inSession(t, call("csv_profile", { csv: "a,b\n1,2,3,4\n" })),
    expect: { status: 200, tool: /line 2: row has 4 fields but the header has 2 columns/ },
  },
];
