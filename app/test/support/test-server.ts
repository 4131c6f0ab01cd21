// A server process with the shipped registry plus the fixture tools, for failure and conformance tests.
import { tools } from "../../src/tools/index.ts";
import { createNodeApp, listen } from "../../src/runtimes/node.ts";
import { loadNodeConfig } from "../../src/runtimes/node-config.ts";
import { fixtureTools, registerSdkFixtures } from "./fixture-tools.ts";

const config = loadNodeConfig();
const app = createNodeApp({ config, tools: [...tools, ...fixtureTools], decorate: registerSdkFixtures });
const { url } = await listen(app, config);
console.log(`test server listening on ${url}/v1/mcp`);
