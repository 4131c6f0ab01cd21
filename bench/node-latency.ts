/** Tool-call latency on the Node runtime: our server, the raw `node:http` floor, and the SDK peer with and without an event store, each its own process. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { floorTarget, mcpTarget, measureLatency, recordAnswers, type LatencyPlan, type LatencyRow } from "./latency.ts";
import type { Era } from "./mcp-wire.ts";
import { spawnServer } from "./servers/spawn.ts";

const NODE_MAIN = fileURLToPath(new URL("../app/src/runtimes/node-main.ts", import.meta.url));
const FLOOR = fileURLToPath(new URL("./servers/node-floor.ts", import.meta.url));
const PEER = fileURLToPath(new URL("./servers/node-peer.ts", import.meta.url));

/** Our Node server as `npm start` runs it, without the Python compute runner (no tool measured here uses it). */
export function spawnOurNodeServer(dataDir: string, env: Record<string, string> = {}) {
  return spawnServer([NODE_MAIN], { HOST: "127.0.0.1", PORT: "0", MCP_DATA_DIR: dataDir, MCP_START_COMPUTE: "0", ...env });
}

/** The plain SDK server (servers/node-peer.ts), with the SDK's in-memory event store or without. */
export function spawnNodePeer(eventStore: boolean) {
  return spawnServer([PEER], { PEER_EVENT_STORE: eventStore ? "1" : "0" });
}

/** Where the SDK peer serves each era. */
export function nodePeerPath(era: Era): string {
  return era === "2025-11-25" ? "/legacy/mcp" : "/modern/mcp";
}

export async function nodeLatency(plan: LatencyPlan): Promise<LatencyRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "mcp-bench-node-"));
  const ours = await spawnOurNodeServer(dataDir);
  const [peer, peerStore] = await Promise.all([spawnNodePeer(false), spawnNodePeer(true)]);
  const oursTarget = mcpTarget("ours", "mcp-hosting (node:http)", ours.origin, () => "/v1/mcp");
  const peerTarget = mcpTarget("peer", "SDK createMcpHandler / per-session transport", peer.origin, nodePeerPath);
  const peerStoreTarget = mcpTarget("peer-store", "the same with the SDK's InMemoryEventStore", peerStore.origin, nodePeerPath);
  const recorded = await recordAnswers(oursTarget);
  const answersFile = join(dataDir, "floor-answers.json");
  writeFileSync(
    answersFile,
    JSON.stringify(Object.fromEntries([...recorded].map(([path, { answer }]) => [path, { status: answer.status, contentType: String(answer.headers["content-type"]), body: answer.body }]))),
  );
  const floor = await spawnServer([FLOOR], { FLOOR_ANSWERS: answersFile });
  const floorTargetNode = floorTarget("raw node:http, same bytes", floor.origin, oursTarget);
  try {
    return await measureLatency("node", [oursTarget, floorTargetNode, peerStoreTarget, peerTarget], plan);
  } finally {
    for (const target of [oursTarget, floorTargetNode, peerStoreTarget, peerTarget]) target.close();
    await Promise.all([ours.stop(), peer.stop(), peerStore.stop(), floor.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const rows = await nodeLatency({ runs: 3, callsPerRun: 300, warmupCalls: 200 });
  for (const row of rows) console.log(row.era, row.tool, row.role.padEnd(5), JSON.stringify(row.latency), row.errors);
}
