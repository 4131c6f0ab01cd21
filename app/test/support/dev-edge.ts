import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { spawnServing, type ServingProcess } from "../../scripts/serving-process.ts";
import { freePort } from "./free-port.ts";

const DEV_EDGE = fileURLToPath(new URL("../../scripts/dev-edge.ts", import.meta.url));

/**
 * `npm run dev:edge` (wrangler dev, workerd) in its own process group, on
 * free ports, with its bundle and local services under `dataDir` and its
 * Durable Objects' storage in `<dataDir>/edge-state`: a second start on the
 * same `dataDir` finds the first one's objects. `env` adds to this process's;
 * `args` go to dev:edge (e.g. `--auth builtin`).
 */
export async function startDevEdge(dataDir: string, env: NodeJS.ProcessEnv = {}, args: readonly string[] = []): Promise<ServingProcess> {
  const [port, nodePort] = await Promise.all([freePort(), freePort()]);
  return spawnServing(process.execPath, [DEV_EDGE, "--port", String(port), "--node-port", String(nodePort), "--state", join(dataDir, "edge-state"), ...args], {
    env: { ...process.env, MCP_DATA_DIR: dataDir, PORT: "", ...env },
    detached: true,
    timeoutMs: 90_000,
    ready: /edge listening on (http:\/\/[^/\s]+)/,
  });
}
