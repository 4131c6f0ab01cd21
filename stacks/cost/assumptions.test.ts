import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { issuesOf } from "../../test/fixtures/config-issues.ts";
import { parseStackFile } from "../load.ts";
import { ASSUMPTIONS, parseAssumptionFlags, resolveAssumptions } from "./assumptions.ts";

const root = join(import.meta.dirname, "..", "..");

/** The staging stack file with a cost block appended. */
function stagingWithCost(block: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-cost-"));
  const path = join(dir, "Pulumi.staging.yaml");
  writeFileSync(path, `${readFileSync(join(root, "Pulumi.staging.yaml"), "utf8").replace(/\nconfig:\n/, `\nconfig:\n  mcp-hosting:cost:\n${block}\n`)}`);
  return path;
}

test("a stack's cost block is typed: its assumptions and prices arrive as numbers", () => {
  const { config } = parseStackFile(stagingWithCost("    toolCallsPerMonth: 250000\n    placement: { edge: 0.6, fly: 0.4, modal: 0 }\n    modalGpu: L4\n    prices:\n      flyVolume: 0.2"));
  assert.equal(config.cost?.toolCallsPerMonth, 250_000);
  assert.deepEqual(config.cost?.placement, { edge: 0.6, fly: 0.4, modal: 0 });
  assert.equal(config.cost?.modalGpu, "L4");
  assert.equal(config.cost?.prices?.flyVolume, 0.2);
});

const badBlocks: [string, string, string][] = [
  ["calls given as words", "    toolCallsPerMonth: lots", 'cost.toolCallsPerMonth: expected number, got string "lots"'],
  ["a negative CPU time", "    edgeCpuMs: -1", "cost.edgeCpuMs: -1 is below 0 (expected 0..300000)"],
  ["shares that do not add up to 1", "    placement: { edge: 0.5, fly: 0.5, modal: 0.5 }", "cost.placement: edge + fly + modal add up to 1.5 (expected 1)"],
  ["a share missing", "    placement: { edge: 0.5, fly: 0.5 }", "cost.placement.modal: is required (expected number)"],
  ["a GPU Modal does not have", "    modalGpu: V100", 'cost.modalGpu: "V100" is not a Modal GPU (expected one of none, T4, L4,'],
  ["a misspelt assumption", "    toolCalls: 5", "cost.toolCalls: unknown key (expected one of toolCallsPerMonth, placement,"],
  ["a price that does not exist", "    prices:\n      flyMachine: 3", "cost.prices.flyMachine: unknown key (expected one of workersPaidPlan, workerRequests,"],
  ["a negative price", "    prices:\n      s3Storage: -0.02", "cost.prices.s3Storage: -0.02 is below 0 (expected 0..1000000)"],
  ["a running share above the whole month", "    flyRunningShare: 1.5", "cost.flyRunningShare: 1.5 is above 1 (expected 0..1)"],
];

for (const [what, block, expected] of badBlocks) {
  test(`a cost block with ${what} is refused with its path`, () => {
    const issues = issuesOf(() => parseStackFile(stagingWithCost(block)));
    assert.ok(issues.some((line) => line.startsWith(expected)), `expected a line starting with\n  ${expected}\ngot\n  ${issues.join("\n  ")}`);
  });
}

test("flags win over the stack's cost block, which wins over the defaults; each value says where it came from", () => {
  const resolved = resolveAssumptions({ toolCallsPerMonth: 5, edgeCpuMs: 7 }, parseAssumptionFlags({ calls: "9", "modal-gpu": "A10" }));
  assert.equal(resolved.values.toolCallsPerMonth, 9);
  assert.equal(resolved.origin.toolCallsPerMonth, "flag");
  assert.equal(resolved.values.edgeCpuMs, 7);
  assert.equal(resolved.origin.edgeCpuMs, "stack");
  assert.equal(resolved.values.modalGpu, "A10");
  assert.equal(resolved.values.modalSeconds, ASSUMPTIONS.modalSeconds.default);
  assert.equal(resolved.origin.modalSeconds, "default");
});

test("--placement takes the three shares by name", () => {
  assert.deepEqual(parseAssumptionFlags({ placement: "edge=0.2,fly=0.3,modal=0.5" }).placement, { edge: 0.2, fly: 0.3, modal: 0.5 });
});

test("a bad flag is refused by its name, with what was expected", () => {
  const issues = issuesOf(() => parseAssumptionFlags({ calls: "many", placement: "edge=1,fly=1,modal=0", "modal-gpu": "K80" }));
  assert.equal(issues[0], '--calls "many": expected a number');
  assert.equal(issues[1], '--placement "edge=1,fly=1,modal=0": edge + fly + modal add up to 2 (expected 1)');
  assert.match(issues[2] ?? "", /^--modal-gpu "K80": "K80" is not a Modal GPU/);
});
