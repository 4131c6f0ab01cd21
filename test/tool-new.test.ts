/**
 * A newcomer's path with `npm run tool:new`, in a copy of the repo: each
 * placement's tool is written, typechecks into the registry, answers its own
 * generated test through a real MCP client, and a taken or malformed name
 * writes nothing. A Modal tool whose Python file is deleted is refused by
 * release:build's check.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
let copy: string;

async function toolNew(...args: string[]) {
  return run(process.execPath, ["stacks/commands/tool-new.ts", ...args], { cwd: copy }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

before(() => {
  copy = mkdtempSync(join(tmpdir(), "tool-new-"));
  for (const entry of ["app", "stacks", "test", "package.json", "tsconfig.json"]) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true, filter: (path) => !/node_modules|__pycache__|\.releases/.test(path) });
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  if (existsSync(join(root, "app", "node_modules"))) symlinkSync(join(root, "app", "node_modules"), join(copy, "app", "node_modules"));
});

test("tool:new writes a working tool per placement whose generated test passes", { timeout: 240_000 }, async () => {
  for (const placement of ["edge", "fly", "modal"]) {
    const made = await toolNew("--name", `new_${placement}_tool`, "--placement", placement);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, new RegExp(`node --test .*app/test/new_${placement}_tool\\.test\\.ts`));
    assert.match(made.stdout, /npm run compat -- --against/);
  }
  assert.ok(existsSync(join(copy, "app/modal/new_modal_tool.py")));
  assert.match(readFileSync(join(copy, "app/src/tools/index.ts"), "utf8"), /newEdgeTool, newFlyTool, newModalTool\]/);
  const tests = ["edge", "fly", "modal"].map((placement) => `app/test/new_${placement}_tool.test.ts`);
  // Without NODE_TEST_CONTEXT the inner run reports on its own stdout, not to this runner.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const passed = await run(process.execPath, ["--test", "--import", "./test/support/own-tmpdir.ts", ...tests], { cwd: copy, env });
  assert.match(passed.stdout, /pass 3\n.*fail 0/);

  const check = `import { tools } from "./app/src/tools/index.ts"; import { assertPythonHandlers } from "./app/src/tools/python-handlers.ts"; assertPythonHandlers(tools, "app/modal");`;
  await run(process.execPath, ["--input-type=module", "-e", check], { cwd: copy });
  rmSync(join(copy, "app/modal/new_modal_tool.py"));
  await assert.rejects(run(process.execPath, ["--input-type=module", "-e", check], { cwd: copy }), (error: { stderr: string }) => {
    assert.match(error.stderr, /tool "new_modal_tool" is placed on modal but no Python handler is registered for it: expected @tool\("new_modal_tool"\) in app\/modal\/new_modal_tool\.py/);
    return true;
  });
});

test("a taken name, a malformed name or an unknown placement is refused and nothing is written", async () => {
  const index = readFileSync(join(copy, "app/src/tools/index.ts"), "utf8");
  for (const [args, message] of [
    [["--name", "echo", "--placement", "fly"], /tool "echo" exists already/],
    [["--name", "kb_put", "--placement", "edge"], /tool "kb_put" exists already/],
    [["--name", "Word-Count", "--placement", "edge"], /expected snake_case/],
    [["--name", "word_count", "--placement", "gpu"], /expected edge, fly or modal/],
  ] as const) {
    const refused = await toolNew(...args);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, message);
  }
  assert.equal(readFileSync(join(copy, "app/src/tools/index.ts"), "utf8"), index);
  assert.equal(existsSync(join(copy, "app/src/tools/word_count.ts")), false);
});
