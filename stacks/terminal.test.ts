/**
 * The commands' text fits the reader's terminal: `plan` and `cost` at a
 * narrow width stay inside it, cut with an ellipsis where a cell is too long,
 * and the plan says its resource count before the table as well as after.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runScript } from "../test/fixtures/commands.ts";
import { clip, fitColumns, outputWidth, wrap } from "./terminal.ts";

const widest = (text: string) => Math.max(...text.split("\n").map((line) => line.length));

test("plan and cost at COLUMNS=100 print no line wider than 100, and the plan counts its resources first and last", async () => {
  const plan = await runScript("stacks/commands/plan.ts", ["--stack", "prod"], { COLUMNS: "100" });
  assert.equal(plan.code, 0, plan.stderr);
  assert.ok(widest(plan.stdout) <= 100, `widest plan line: ${widest(plan.stdout)}`);
  assert.match(plan.stdout, /…/, "long key inputs are cut with an ellipsis");
  const counts = plan.stdout.split("\n").filter((line) => /^\d+ resources; /.test(line));
  assert.equal(counts.length, 2);
  assert.ok(plan.stdout.indexOf(counts[0]!) < plan.stdout.indexOf("TYPE "), "the count comes before the table");

  const cost = await runScript("stacks/commands/cost.ts", ["--stack", "prod"], { COLUMNS: "100" });
  assert.equal(cost.code, 0, cost.stderr);
  assert.ok(widest(cost.stdout) <= 100, `widest cost line: ${widest(cost.stdout)}`);
  assert.match(cost.stdout, /\$\d+\.\d\d$/m, "amounts stay whole, right-aligned");
});

test("piped without COLUMNS, nothing is cut (grep and CI logs want whole lines)", () => {
  assert.equal(outputWidth({ isTTY: false }, {}), Infinity);
  assert.equal(outputWidth({ isTTY: true, columns: 132 }, {}), 132);
  assert.equal(outputWidth({ isTTY: true, columns: 20 }, {}), 60, "never under 60");
  assert.equal(outputWidth({ isTTY: false }, { COLUMNS: "90" }), 90);
});

test("a cell too long gives up characters from the widest left column; right-aligned amounts are never cut", () => {
  const rows = [["a label that is far too long to fit", "qty", "$1.00"], ["short", "quantity text", "$10.00"]];
  const lines = fitColumns(rows, 1, 34);
  assert.ok(lines.every((line) => line.length <= 34), lines.join("\n"));
  assert.ok(lines[0]!.endsWith("$1.00") && lines[1]!.endsWith("$10.00"));
  assert.match(lines[0]!, /…/);
  assert.equal(clip("abcdef", 4), "abc…");
  assert.deepEqual(wrap("  one two three four", 12, "    "), ["  one two", "    three", "    four"]);
});
