/**
 * Every command a user runs through npm answers `--help` with its usage on
 * stdout and exit 0, as a newcomer expects; the list is package.json's own.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runScript } from "./fixtures/commands.ts";

const root = join(import.meta.dirname, "..");
const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const COMMANDS = ["start", "dev", "dev:edge", "build:edge", "dev:auth", "dev:sign-in", "plan", "cutover", "rollback", "promote", "pin", "verify", "status", "cost", "compat", "api:add", "release:build", "release:publish", "release:fetch", "drill:restore", "bench", "rehearse", "eval", "tool:new", "auth"];

test("every command prints its usage for --help and exits 0", async () => {
  await Promise.all(
    COMMANDS.map(async (name) => {
      const [runner, file] = scripts[name]!.split(" ");
      assert.equal(runner, "node", `${name} runs a node script`);
      const run = await runScript(file!, ["--help"]);
      assert.equal(run.code, 0, `${name} --help: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^usage: npm (run )?${name}\\b`), `${name} prints its usage first`);
      assert.equal(run.stderr, "", `${name} --help writes nothing to stderr`);
    }),
  );
});
