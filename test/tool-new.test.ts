/**
 * A newcomer's path with `npm run tool:new`, in a copy of the repo that is a
 * git repository with a release built before the new tools: each placement's
 * tool is written, answers its own generated test through a real MCP client
 * over `npm start`, answers through `dev:edge` (the Worker under workerd with
 * the local Fly service and Python runner), is classed "tool added",
 * compatible, by `compat --against` the release before it, and is refused by
 * `release:build` once its handler is deleted. A taken or malformed name
 * writes nothing.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { structured } from "../app/test/support/results.ts";
import { until } from "../app/test/support/until.ts";
import { freePort } from "./rehearsal/accounts/processes.ts";
import { loadSuite } from "../evals/harness/suite.ts";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const PLACEMENTS = ["edge", "fly", "modal"] as const;
/** What each scaffold's tool answers to its example (app/scripts/tool-new/templates.ts). */
const ANSWERS = {
  edge: { call: { text: "hello world" }, expected: { characters: 11, words: 2, reversed: "dlrow olleh" } },
  fly: {
    call: { text: "to be or not to be" },
    expected: { words: [{ word: "be", count: 2 }, { word: "to", count: 2 }, { word: "not", count: 1 }, { word: "or", count: 1 }] },
  },
  modal: { call: { numbers: [1, 2, 3.5] }, expected: { count: 3, sum: 6.5, mean: 6.5 / 3 } },
};
const toolName = (placement: string) => `new_${placement}_tool`;

let copy: string;
let releaseBefore: string;

type Ran = { code: number; stdout: string; stderr: string };
function inCopy(script: string, ...args: string[]): Promise<Ran> {
  return run(process.execPath, [script, ...args], { cwd: copy, env: { ...process.env, CI: "true" } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Ran) => error,
  );
}
const toolNew = (...args: string[]) => inCopy("stacks/commands/tool-new.ts", ...args);
const releaseBuild = () => inCopy("stacks/commands/release-build.ts", "--print-id");

before(async () => {
  copy = mkdtempSync(join(tmpdir(), "tool-new-"));
  for (const entry of ["app", "stacks", "infra", "test", "evals", "package.json", "tsconfig.json", "Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"]) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true, filter: (path) => !/node_modules|__pycache__|\.releases|tool_schemas\.json/.test(path) });
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  if (existsSync(join(root, "app", "node_modules"))) symlinkSync(join(root, "app", "node_modules"), join(copy, "app", "node_modules"));
  // release:build records the commit: the copy is a repository of its own, committed before the new tools.
  const git = (...args: string[]) => run("git", ["-c", "user.name=newcomer", "-c", "user.email=newcomer@example.com", ...args], { cwd: copy });
  await git("init", "-q");
  await git("add", "-A");
  await git("commit", "-qm", "before the new tools");
  const built = await releaseBuild();
  assert.equal(built.code, 0, built.stderr);
  releaseBefore = built.stdout.trim();
  assert.match(releaseBefore, /^r-[0-9a-f]{12}$/);
});
after(() => rmSync(copy, { recursive: true, force: true }));

test("tool:new writes a working tool per placement whose generated test passes over npm start", { timeout: 240_000 }, async () => {
  for (const placement of PLACEMENTS) {
    const made = await toolNew("--name", toolName(placement), "--placement", placement);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, new RegExp(`node --test .*app/test/${toolName(placement)}\\.test\\.ts`));
    assert.match(made.stdout, /npm run compat -- --stack staging --release local/);
  }
  assert.ok(existsSync(join(copy, "app/modal/new_modal_tool.py")));
  // One eval case per tool, with the arguments its generated test calls it with, in a suite that still loads.
  const suite = loadSuite(join(copy, "evals/cases"));
  for (const placement of PLACEMENTS) {
    const added = suite.find((c) => "tool" in c.expect && c.expect.tool === toolName(placement));
    assert.ok(added, `an eval case expects ${toolName(placement)}`);
    assert.deepEqual("tool" in added.expect && added.expect.arguments, { edge: { text: "hello world" }, fly: { text: "to be or not to be" }, modal: { numbers: [1, 2, 3.5] } }[placement]);
  }
  assert.match(readFileSync(join(copy, "app/src/tools/index.ts"), "utf8"), /newEdgeTool, newFlyTool, newModalTool\]/);
  const tests = PLACEMENTS.map((placement) => `app/test/${toolName(placement)}.test.ts`);
  // Without NODE_TEST_CONTEXT the inner run reports on its own stdout, not to this runner.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const passed = await run(process.execPath, ["--test", "--import", "./test/support/own-tmpdir.ts", ...tests], { cwd: copy, env });
  assert.match(passed.stdout, /pass 3\n.*fail 0/);
});

test("compat --against the release before them classes each new tool as added, compatible", async () => {
  const compared = await inCopy("stacks/commands/compat.ts", "--stack", "staging", "--release", "local", "--against", releaseBefore, "--json");
  assert.equal(compared.code, 0, compared.stderr);
  const report = JSON.parse(compared.stdout) as { comparisons: { against: string; findings: { verdict: string; tool: string; reason: string }[]; counts: Record<string, number> }[] };
  for (const comparison of report.comparisons) {
    assert.equal(comparison.against, releaseBefore);
    assert.deepEqual(
      comparison.findings.map(({ verdict, tool, reason }) => [verdict, tool, reason.split(":")[0]]),
      PLACEMENTS.map((placement) => ["compatible", toolName(placement), "tool added"]),
    );
    assert.deepEqual(comparison.counts, { breaking: 0, compatible: 3, review: 0 });
  }
});

test("each new tool answers through dev:edge, whatever runtime it is placed on", { timeout: 180_000 }, async () => {
  const [port, nodePort] = [await freePort(), await freePort()];
  const dev = spawn(process.execPath, ["app/scripts/dev-edge.ts", "--port", String(port), "--node-port", String(nodePort), "--state", join(copy, ".data", "edge-state")], {
    cwd: copy,
    env: { ...process.env, MCP_DATA_DIR: join(copy, ".data"), PORT: "" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  dev.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  dev.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  try {
    await until(() => /edge listening on/.test(output), 90_000, "dev:edge's ready line", () => output);
    const client = new Client({ name: "newcomer", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/v1/mcp`)));
    try {
      const listed = (await client.listTools()).tools.map((tool) => tool.name);
      for (const placement of PLACEMENTS) {
        assert.ok(listed.includes(toolName(placement)), `${toolName(placement)} is listed`);
        const answer = await client.callTool({ name: toolName(placement), arguments: ANSWERS[placement].call });
        assert.deepEqual(structured(answer), ANSWERS[placement].expected, `${toolName(placement)} through dev:edge`);
      }
    } finally {
      await client.close();
    }
  } finally {
    try {
      process.kill(-dev.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  }
});

test("release:build refuses each new tool once its handler is deleted, naming the tool", { timeout: 120_000 }, async () => {
  const deletions: Record<(typeof PLACEMENTS)[number], { path: string; delete: (text: string) => string; message: RegExp }> = {
    edge: {
      path: "app/src/tools/new_edge_tool.ts",
      delete: (text) => text.replace(/\n  handler: async .*\n/, "\n"),
      message: /tool "new_edge_tool" is placed on edge but has no handler/,
    },
    fly: {
      path: "app/src/tools/new_fly_tool.ts",
      delete: (text) => text.replace(/\n  handler: async [\s\S]*?\n  },\n/, "\n"),
      message: /tool "new_fly_tool" is placed on fly but has no handler/,
    },
    modal: {
      path: "app/modal/new_modal_tool.py",
      delete: () => "",
      message: /tool "new_modal_tool" is placed on modal but no Python handler is registered for it: expected @tool\("new_modal_tool"\) in app\/modal\/new_modal_tool\.py/,
    },
  };
  const good = await releaseBuild();
  assert.equal(good.code, 0, `with every handler in place the build passes: ${good.stderr}`);
  for (const placement of PLACEMENTS) {
    const { path, delete: remove, message } = deletions[placement];
    const file = join(copy, path);
    const text = readFileSync(file, "utf8");
    const without = remove(text);
    assert.notEqual(without, text, `${path}: the handler was found to delete`);
    writeFileSync(file, without);
    try {
      const refused = await releaseBuild();
      assert.notEqual(refused.code, 0, `${placement}: built without its handler`);
      assert.match(refused.stderr, message);
    } finally {
      writeFileSync(file, text);
    }
  }
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
