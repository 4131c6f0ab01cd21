import assert from "node:assert/strict";
import { test } from "node:test";
import { judgeCanary, toolMixDistance } from "./canary-judge.ts";
import { DEFAULT_THRESHOLDS } from "./thresholds.ts";
import type { ColorTraffic } from "./traffic.ts";

const colors = { baseline: "blue", candidate: "green" };
const traffic = (calls: number, errors: number, p95Ms: number, byTool: Record<string, number>): ColorTraffic => ({ calls, errors, p95Ms, byTool });
const mix = (calls: number) => ({ echo: calls * 0.4, kb_search: calls * 0.35, csv_profile: calls * 0.25 });

test("the distance between tool mixes is 0 for the same shares and 1 for no tool in common", () => {
  assert.equal(toolMixDistance({ a: 10, b: 30 }, { a: 100, b: 300 }), 0);
  assert.equal(toolMixDistance({ a: 10 }, { b: 10 }), 1);
  // A mix that lost a tool holding a quarter of the calls is far from one that has it.
  assert.ok(toolMixDistance({ a: 25, b: 25, c: 25, d: 25 }, { a: 33, b: 33, c: 34 }) > 0.3);
});

test("below the minimum sample size each comparison says not enough traffic, with the numbers", () => {
  const judgement = judgeCanary(colors, traffic(5000, 50, 80, mix(5000)), traffic(80, 40, 900, mix(80)), DEFAULT_THRESHOLDS);
  assert.equal(judgement.verdict, "not enough traffic", "even 50% errors on 80 calls is not judged by real traffic");
  assert.deepEqual(judgement.findings.map((f) => f.status), ["not enough traffic", "not enough traffic", "not enough traffic"]);
  assert.match(judgement.findings[0]!.detail, /green has 80 calls, blue 5000; each needs at least 300/);
  // p95 needs fewer calls than error rates and tool mixes: at 120 calls a slow canary is already a breach.
  const slow = judgeCanary(colors, traffic(5000, 50, 80, mix(5000)), traffic(120, 1, 900, mix(120)), DEFAULT_THRESHOLDS);
  assert.deepEqual(slow.findings.map((f) => f.status), ["not enough traffic", "breach", "not enough traffic"]);
  assert.equal(slow.verdict, "breach");
});

test("a live color without errors does not make a single canary error a breach", () => {
  const judgement = judgeCanary(colors, traffic(1000, 0, 80, mix(1000)), traffic(400, 1, 80, mix(400)), DEFAULT_THRESHOLDS);
  assert.equal(judgement.verdict, "healthy");
});
