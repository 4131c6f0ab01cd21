/**
 * `npm run tool:new -- --name <snake_case> --placement edge|fly|modal [--root <dir>]`:
 * writes a small working tool (its definition, for Modal its Python handler, a
 * test through a real MCP client, an eval case when the project has evals/cases),
 * lists it in app/src/tools/index.ts, and
 * prints what to run next, as `wrangler init` and `sst add` do. A taken or
 * malformed name is refused before anything is written.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { camelCase, definitionSource, evalCaseSource, pythonHandlerSource, testSource, type NewToolPlacement } from "../../app/scripts/tool-new/templates.ts";
import { missingFlag, runCommand, UsageError } from "../cli.ts";

const USAGE = "usage: npm run tool:new -- --name <snake_case> --placement edge|fly|modal";
const PLACEMENTS: readonly NewToolPlacement[] = ["edge", "fly", "modal"];
const REGISTRY_LINE = /^export const tools: readonly ToolDefinition\[\] = \[(.*)\];$/m;

await runCommand(USAGE, async () => {
  const { values } = parseArgs({ options: { name: { type: "string" }, placement: { type: "string" }, root: { type: "string" } } });
  if (!values.name) throw missingFlag("--name", "the tool's name in snake_case, e.g. word_count");
  if (!values.placement) throw missingFlag("--placement", "edge, fly or modal");
  const { name, placement } = values;
  const root = values.root ?? ".";
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: expected snake_case, e.g. word_count`);
  if (!PLACEMENTS.includes(placement as NewToolPlacement)) throw new UsageError(`--placement ${JSON.stringify(placement)}: expected edge, fly or modal`);
  const where = placement as NewToolPlacement;

  const indexPath = join(root, "app/src/tools/index.ts");
  const index = readFileSync(indexPath, "utf8");
  const registry = REGISTRY_LINE.exec(index);
  if (!registry) throw new UsageError(`${indexPath}: expected the line "export const tools: readonly ToolDefinition[] = [...];" to add the tool to`);
  const constant = camelCase(name);
  // The registry itself is asked, so a tool defined in any file (kb.ts holds two) is seen.
  const { tools } = (await import(pathToFileURL(indexPath).href)) as { tools: readonly { name: string }[] };
  if (tools.some((tool) => tool.name === name) || new RegExp(`\\b${constant}\\b`).test(index)) {
    throw new UsageError(`tool "${name}" exists already in the registry (${indexPath}); choose another name`);
  }
  const files: Record<string, string> = {
    [`app/src/tools/${name}.ts`]: definitionSource(name, where),
    [`app/test/${name}.test.ts`]: testSource(name, where),
    ...(where === "modal" ? { [`app/modal/${name}.py`]: pythonHandlerSource(name) } : {}),
    ...(existsSync(join(root, "evals/cases")) ? { [`evals/cases/${name}.yaml`]: evalCaseSource(name, where) } : {}),
  };
  const taken = Object.keys(files).filter((path) => existsSync(join(root, path)));
  if (taken.length > 0) throw new UsageError(`${taken.join(", ")} exists already; choose another name or remove it`);

  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  const lastImport = [...index.matchAll(/^import .*;$/gm)].at(-1)!;
  const at = lastImport.index + lastImport[0].length;
  const withImport = `${index.slice(0, at)}\nimport { ${constant} } from "./${name}.ts";${index.slice(at)}`;
  writeFileSync(indexPath, withImport.replace(REGISTRY_LINE, (_, list: string) => `export const tools: readonly ToolDefinition[] = [${list}, ${constant}];`));

  process.stdout.write(
    `wrote ${[...Object.keys(files), "app/src/tools/index.ts (registered)"].join(", ")}\n` +
      `next:\n` +
      `  node --test --import ./test/support/own-tmpdir.ts app/test/${name}.test.ts   # its test, through a real MCP client\n` +
      `  ${where === "modal" ? "MCP_START_COMPUTE=1 " : ""}npm start                                                  # serve it locally\n` +
      `  npm run compat -- --stack staging --release local   # against what staging serves live: expect "tool added" as compatible\n`,
  );
});
