// A server process with the shipped catalog plus the misbehaving test tools, for failure and isolation tests.
import { catalog, mergeCatalogs } from "../../src/tools/index.ts";
import { createNodeApp, listen } from "../../src/runtimes/node.ts";
import { loadNodeConfig } from "../../src/runtimes/node-config.ts";
import { fixtureTools } from "./fixture-tools.ts";

const config = loadNodeConfig();
const app = await createNodeApp({ config, catalog: mergeCatalogs(catalog, { tools: fixtureTools, prompts: [], resources: [] }) });
const { url } = await listen(app, config);
console.log(`test server listening on ${url}/v1/mcp`);
