import assert from "node:assert/strict";
import { test } from "node:test";
import { type Attributes, type CallRecord, NOT_A_CALL, type SpanStart, Telemetry } from "./telemetry.ts";

/** What the instrumentation asked the backend for: every span started, its attributes at the end, and each record. */
function recording(recordContent: boolean) {
  const spans: { start: SpanStart; attributes: Attributes; ended: boolean; error?: string }[] = [];
  const records: CallRecord[] = [];
  const telemetry = new Telemetry({
    spans: {
      start(start) {
        const span = { start, attributes: { ...start.attributes }, ended: false } as (typeof spans)[number];
        spans.push(span);
        return {
          context: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true },
          setAttributes: (attributes) => Object.assign(span.attributes, attributes),
          fail: (errorType) => void (span.error = errorType),
          end: () => void (span.ended = true),
        };
      },
    },
    calls: { record: (call) => void records.push(call) },
    deployment: { service: "test", release: "r-0123456789ab", color: "blue" },
    recordContent,
    log: () => undefined,
  });
  return { telemetry, spans, records };
}

const start = { tool: "kb_search", arguments: { query: "secret plans" }, requestId: 7 };

test("tool arguments and results stay off spans unless the deployment opts in", async () => {
  const off = recording(false);
  await off.telemetry.toolCall(start, async () => ({ hits: ["the result"] }), (value) => ({ result: value }));
  assert.equal(JSON.stringify(off.spans).includes("secret plans"), false);
  assert.equal(JSON.stringify(off.spans).includes("the result"), false);

  const on = recording(true);
  await on.telemetry.toolCall(start, async () => ({ hits: ["the result"] }), (value) => ({ result: value }));
  assert.equal(on.spans[0]?.attributes["gen_ai.tool.call.arguments"], '{"query":"secret plans"}');
  assert.equal(on.spans[0]?.attributes["gen_ai.tool.call.result"], '{"hits":["the result"]}');
});

test("an error result is error.type tool_error on the span and the record; the request id stays on the span", async () => {
  const { telemetry, spans, records } = recording(false);
  await telemetry.toolCall(start, async () => "failed", () => ({ errorType: "tool_error", message: "no such thing" }));
  assert.equal(spans[0]?.error, "tool_error");
  assert.equal(spans[0]?.attributes["jsonrpc.request.id"], "7");
  assert.equal(records[0]?.errorType, "tool_error");
  assert.equal(records[0]?.attributes["jsonrpc.request.id"], undefined);
  assert.equal(records[0]?.attributes["mcp_hosting.color"], "blue");
});

test("a request that was not a call leaves no span and no record; a client's baggage never names the color", async () => {
  const { telemetry, spans, records } = recording(false);
  await telemetry.toolCall({ tool: "echo" }, async () => 401, () => NOT_A_CALL);
  assert.equal(spans[0]?.ended, false);
  assert.equal(records.length, 0);
  const spoofed = new Headers({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", baggage: "mcp_hosting.color=green" });
  await telemetry.toolCall({ tool: "echo", headers: spoofed }, async () => "ok", () => ({}));
  assert.equal(records[0]?.attributes["mcp_hosting.color"], "blue");
  await telemetry.toolCall({ tool: "echo", headers: spoofed, fromEdge: true }, async () => "ok", () => ({}));
  assert.equal(records[1]?.attributes["mcp_hosting.color"], "green", "a signed call's baggage does");
});
