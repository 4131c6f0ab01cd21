/**
 * `npm run tool:schemas`: writes app/modal/tool_schemas.json, the input JSON Schema of
 * every Modal-placed tool (app/src/tools/tool-schemas.ts). npm start, npm run dev,
 * release:build and a `local` pin write it themselves; this is for the Python tests
 * and for running the runner by hand.
 */
import { relative } from "node:path";
import { commandLine } from "../src/runtimes/command-line.ts";
import { tools } from "../src/tools/index.ts";
import { MODAL_SOURCES } from "../src/tools/python-handlers.ts";
import { writeToolSchemas } from "../src/tools/tool-schemas.ts";

commandLine("usage: npm run tool:schemas   (writes app/modal/tool_schemas.json from the zod definitions of the Modal-placed tools)", {});
const path = writeToolSchemas(tools, MODAL_SOURCES);
process.stderr.write(`wrote ${relative(process.cwd(), path)}\n`);
