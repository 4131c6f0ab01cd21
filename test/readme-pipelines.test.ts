/**
 * The README's `--json | jq` lines run exactly as written, from the project
 * root: npm's banner would break them, which is why they say `npm run -s`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..");
const pipelines = readFileSync(join(root, "README.md"), "utf8")
  .split("\n")
  .filter((line) => /^npm run .*--json \| jq /.test(line))
  .map((line) => line.replace(/\s+#.*$/, ""));

test("the README pipes JSON through jq in at least the plan and the cost examples", () => {
  assert.ok(pipelines.some((line) => line.includes(" plan ")) && pipelines.some((line) => line.includes(" cost ")), pipelines.join("\n"));
});

for (const line of pipelines) {
  test(`the README's pipeline works as written: ${line}`, () => {
    const run = spawnSync("bash", ["-o", "pipefail", "-c", line], { cwd: root, encoding: "utf8", env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` } });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout.trim(), /^-?[\d.]+$/, `jq printed a number: ${run.stdout}`);
  });
}
