import assert from "node:assert/strict";
import { test } from "node:test";
import { baggageEntry, contextFromHeaders, contextFromMeta, logOnce, parseTraceparent, withBaggage } from "./trace-context.ts";

test("a traceparent is read as W3C Trace Context writes it, and the forms it forbids are refused", () => {
  // The example of the W3C recommendation, §3.2.
  assert.deepEqual(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    sampled: true,
  });
  assert.equal(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled, false);
  // A later version may append fields; version 00 may not.
  assert.ok(parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));
  for (const bad of [
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "not a traceparent",
  ]) {
    assert.equal(parseTraceparent(bad), undefined, bad);
  }
});

test("_meta is where the context comes from; a malformed one is ignored and reported once", () => {
  const reports: string[] = [];
  const report = logOnce((line) => reports.push(line));
  const meta = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "rojo=00f067aa0ba902b7", baggage: "userId=alice" };
  assert.deepEqual(contextFromMeta(meta, report), {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    sampled: true,
    traceState: "rojo=00f067aa0ba902b7",
    baggage: "userId=alice",
  });
  assert.equal(contextFromMeta({ traceparent: "garbage" }, report), undefined);
  assert.equal(contextFromHeaders(new Headers({ traceparent: "00-zz" }), report), undefined);
  assert.equal(contextFromMeta({ traceparent: 42 }, report), undefined);
  assert.equal(reports.length, 1, "one line for a client that keeps sending a bad traceparent");
  assert.match(reports[0]!, /ignored a malformed W3C trace context in params\._meta\.traceparent \("garbage"\)/);
});

test("our baggage entries replace a caller's of the same key and keep the others", () => {
  const merged = withBaggage("mcp_hosting.color=green,userId=alice;prop=1", { "mcp_hosting.color": "blue", "mcp_hosting.api_version": "v1" });
  assert.equal(merged, "mcp_hosting.color=blue,mcp_hosting.api_version=v1,userId=alice;prop=1");
  assert.equal(baggageEntry(merged, "mcp_hosting.color"), "blue");
  assert.equal(baggageEntry("a=b%20c", "a"), "b c");
  assert.equal(baggageEntry(merged, "absent"), undefined);
});
