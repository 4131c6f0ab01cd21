import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { tools } from "./index.ts";
import { MODAL_SOURCES, assertPythonHandlers, pythonHandlerMismatches, registeredPythonTools } from "./python-handlers.ts";

/** A copy of app/modal whose handlers.py is edited by `edit`. */
function modalCopy(edit: (source: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "modal-sources-"));
  cpSync(MODAL_SOURCES, dir, { recursive: true, filter: (path) => !path.includes("__pycache__") });
  writeFileSync(join(dir, "handlers.py"), edit(readFileSync(join(dir, "handlers.py"), "utf8")));
  return dir;
}

test("every tool placed on modal has its registered Python handler, and every handler its tool", () => {
  assert.deepEqual(registeredPythonTools(), ["csv_cluster", "csv_profile"]);
  assert.doesNotThrow(() => assertPythonHandlers(tools));
});

test("a modal tool whose @tool line is gone is refused naming the tool and the file expected", () => {
  const dir = modalCopy((source) => source.replace('@tool("csv_profile")\n', ""));
  assert.throws(() => assertPythonHandlers(tools, dir), {
    message: 'tool "csv_profile" is placed on modal but no Python handler is registered for it: expected @tool("csv_profile") in app/modal/csv_profile.py',
  });
});

test("a commented-out registration does not count: Python is asked, not the text searched", () => {
  const dir = modalCopy((source) => source.replace('@tool("csv_profile")\n', '# @tool("csv_profile")\n'));
  assert.deepEqual(registeredPythonTools(dir), ["csv_cluster"]);
});

test("a Python handler without a tool is refused naming the definition expected", () => {
  assert.deepEqual(pythonHandlerMismatches(tools, ["csv_cluster", "csv_profile", "word_count"]), [
    'Python handler @tool("word_count") is registered but tool "word_count" has no definition: expected defineTool({ name: "word_count", placement: "modal" }) in app/src/tools/word_count.ts, listed in app/src/tools/index.ts',
  ]);
  assert.deepEqual(pythonHandlerMismatches(tools, ["csv_cluster", "csv_profile", "echo"]), ['Python handler @tool("echo") is registered but tool "echo" is not placed on modal']);
});
