/**
 * The `--json | jq` lines of the README and docs/ run exactly as written, from
 * the project root, and print a number: npm's banner would break them, which is
 * why they say `npm run -s`. (test/docs-commands.test.ts runs them too, with
 * every other offline command; this test holds what they print.)
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..");
const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).map((name) => join("docs", name))];
const pipelines = pages
  .flatMap((page) => readFileSync(join(root, page), "utf8").split("\n"))
  .filter((line) => /^npm run .*--json \| jq /.test(line))
  .map((line) => line.replace(/\s+#.*$/, ""));

test("the docs pipe JSON through jq in at least the plan and the cost examples", () => {
  assert.ok(pipelines.some((line) => line.includes(" plan ")) && pipelines.some((line) => line.includes(" cost ")), pipelines.join("\n"));
});

for (const line of pipelines) {
  test(`the docs' pipeline works as written: ${line}`, () => {
    const run = spawnSync("bash", ["-o", "pipefail", "-c", line], { cwd: root, encoding: "utf8", env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` } });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout.trim(), /^-?[\d.]+$/, `jq printed a number: ${run.stdout}`);
  });
}
