/**
 * `npm run registry -- --stack prod [--json] [--out <file>]`: the stack's entry
 * in the official MCP registry, `server.json`, from its config and its live
 * release (stacks/registry/server-json.ts), checked against the registry's rules
 * before it is written. Without `--json` it writes `server.json` (or `--out`),
 * the file the registry's publisher CLI reads; `--json` prints it instead.
 * Exit 1 when the stack has no `registry` block or the document breaks a rule;
 * with `--if-present`, a stack without one says so on stderr, writes nothing and
 * exits 0 (the promote workflow publishes only what a stack declares).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { missingFlag, runCommand, UsageError } from "../cli.ts";
import { serverJson, serverJsonProblems } from "../registry/server-json.ts";
import { readStack } from "../stack-file.ts";

const USAGE = "usage: npm run registry -- --stack <name> [--json | --out <file, default server.json>] [--if-present]   (the stack's server.json for the official MCP registry; --if-present: no registry block is not an error)";

await runCommand(USAGE, () => {
  const { values } = parseArgs({ options: { stack: { type: "string", short: "s" }, json: { type: "boolean" }, out: { type: "string" }, "if-present": { type: "boolean" }, root: { type: "string" } } });
  if (!values.stack) throw missingFlag("--stack");
  if (values.json && values.out) throw new UsageError("--json prints server.json and --out writes it: give one of them", 1, true);
  const { config } = readStack(values.root ?? ".", values.stack);
  if (!config.registry && values["if-present"]) {
    process.stderr.write(`stack ${values.stack} has no registry block: nothing written\n`);
    return;
  }
  if (!config.registry) throw new UsageError(`stack ${values.stack} has no registry block: add registry: { name: io.github.<org>/<server>, description: … } to Pulumi.${values.stack}.yaml`);
  const document = serverJson(values.stack, config);
  const problems = serverJsonProblems(document);
  if (problems.length > 0) throw new UsageError(`server.json of stack ${values.stack} breaks the registry's rules:\n${problems.map((line) => `  ${line}`).join("\n")}`);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (values.json) {
    process.stdout.write(text);
    return;
  }
  const out = values.out ?? "server.json";
  writeFileSync(out, text);
  process.stderr.write(`wrote ${out}: ${document.name} ${document.version}, ${document.remotes.length} remote${document.remotes.length === 1 ? "" : "s"} (${document.remotes.map((remote) => remote.url).join(", ")})\n`);
});
