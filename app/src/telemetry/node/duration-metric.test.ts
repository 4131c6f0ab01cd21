import assert from "node:assert/strict";
import { test } from "node:test";
import { MCP_ATTRIBUTES } from "../conventions.ts";
import { DurationMetric } from "./duration-metric.ts";

const attributes = { [MCP_ATTRIBUTES.toolName]: "echo", [MCP_ATTRIBUTES.methodName]: "tools/call" };
const line = (text: string, start: string) => text.split("\n").find((candidate) => candidate.startsWith(start));

test("/metrics counts each call in the first bucket whose bound is at or above it, cumulatively, one series per outcome", async () => {
  const metric = new DurationMetric();
  metric.record({ tool: "echo", durationSeconds: 0.01, attributes });
  metric.record({ tool: "echo", durationSeconds: 0.015, attributes });
  metric.record({ tool: "echo", durationSeconds: 400, attributes });
  metric.record({ tool: "echo", durationSeconds: 0.3, errorType: "tool_error", attributes });
  const text = await metric.exposition();
  assert.match(text, /^# TYPE mcp_server_operation_duration_seconds histogram$/m);
  const ok = 'gen_ai_tool_name="echo",mcp_method_name="tools/call"';
  assert.equal(line(text, `mcp_server_operation_duration_seconds_bucket{${ok},le="0.01"}`)?.split(" ")[1], "1");
  assert.equal(line(text, `mcp_server_operation_duration_seconds_bucket{${ok},le="0.02"}`)?.split(" ")[1], "2");
  assert.equal(line(text, `mcp_server_operation_duration_seconds_bucket{${ok},le="300"}`)?.split(" ")[1], "2");
  assert.equal(line(text, `mcp_server_operation_duration_seconds_bucket{${ok},le="+Inf"}`)?.split(" ")[1], "3");
  assert.equal(line(text, `mcp_server_operation_duration_seconds_count{${ok}}`)?.split(" ")[1], "3");
  assert.equal(Number(line(text, `mcp_server_operation_duration_seconds_sum{${ok}}`)?.split(" ")[1]), 400.025);
  const failed = `${ok},error_type="tool_error"`;
  assert.equal(line(text, `mcp_server_operation_duration_seconds_bucket{${failed},le="0.2"}`)?.split(" ")[1], "0");
  assert.equal(line(text, `mcp_server_operation_duration_seconds_bucket{${failed},le="0.5"}`)?.split(" ")[1], "1");
});
