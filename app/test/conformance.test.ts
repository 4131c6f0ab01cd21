// The official conformance suite's transport scenarios, for both protocol eras, against a started Node server.
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { assertScenarioPasses, FIXTURE_SCENARIOS, TRANSPORT_SCENARIOS } from "./support/conformance.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const ENTRY = fileURLToPath(new URL("./support/test-server.ts", import.meta.url));

describe("conformance suite: transport scenarios on Node", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ entry: ENTRY, env: { MCP_START_COMPUTE: "0" } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  for (const scenario of [...TRANSPORT_SCENARIOS, ...FIXTURE_SCENARIOS]) {
    test(`${scenario[0]} @ ${scenario[1]}`, () => assertScenarioPasses(server.mcpUrl.href, scenario));
  }
});
