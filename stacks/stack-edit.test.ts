import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { applyEdits, lineDiff } from "./stack-edit.ts";

const root = join(import.meta.dirname, "..");

for (const stack of ["staging", "prod"]) {
  test(`${stack}: a stack file with no edit is written back byte for byte`, () => {
    const text = readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8");
    assert.equal(applyEdits(text, []), text);
  });
}

test("an edit changes that value only, keeping comments, order and flow lists", () => {
  const text = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8");
  const edited = applyEdits(text, [
    { path: ["apiVersions", "v1", "live"], value: "green" },
    { path: ["apiVersions", "v1", "canaryPercent"], value: 0 },
  ]);
  const changed = lineDiff(text, edited, 0).filter((line) => /^[-+]/.test(line));
  assert.deepEqual(changed, ["-       live: blue", "-       canaryPercent: 10", "+       live: green", "+       canaryPercent: 0"]);
  assert.ok(edited.startsWith("# Stack \"prod\""));
  assert.match(edited, /regions: \[iad, lax, ams, nrt\]/);
});

test("a setting left to its default is added where it belongs", () => {
  const text = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8").replace("      canaryPercent: 0\n", "");
  const edited = applyEdits(text, [{ path: ["apiVersions", "v1", "canaryPercent"], value: 10 }]);
  assert.match(edited, /      live: green\n      canaryPercent: 10\n  mcp-hosting:fly:/);
});
