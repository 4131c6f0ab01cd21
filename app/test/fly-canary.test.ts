// A canary is a canary on Fly too: two edge colors under workerd, each a
// different release, over one Fly machine's release host running both
// releases on one SQLite file. The split sends each request to a color by the
// deployment's percentages, as Cloudflare's gradual deployments do
// (developers.cloudflare.com/workers/versions-and-deployments/gradual-deployments/);
// green's kb_search answers differently, so the answers show who ran it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { copyApp, type AppCopy } from "./support/app-copy.ts";
import { startEdgeWorker, type EdgeWorker } from "./support/edge-worker.ts";
import { markKbSearchTitles, OWN_ENTRY, startReleaseHost, type TestReleaseHost } from "./support/release-host.ts";
import { structured } from "./support/results.ts";

const SECRET = "fly-canary-secret-0123456789abcdef";
const BLUE = "r-b1ue00000000";
const GREEN = "r-9ree00000000";
const CALLS = 300;

let dataDir: string;
let green: AppCopy;
let fly: TestReleaseHost;
const edges = {} as Record<"blue" | "green", EdgeWorker>;
/** The deployment: green's share of requests, in percent. */
let greenPercent = 0;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "fly-canary-"));
  green = copyApp();
  markKbSearchTitles(green);
  fly = await startReleaseHost({ dataDir, secret: SECRET, entries: { [BLUE]: OWN_ENTRY, [GREEN]: green.app("src/runtimes/node-main.ts") }, direct: BLUE, memoryLimitMb: 1024, watchMs: 1000 });
  for (const [color, release] of [["blue", BLUE], ["green", GREEN]] as const) {
    edges[color] = await startEdgeWorker({ bindings: { FLY_ORIGIN: fly.origin, MCP_UPSTREAM_SECRET: SECRET, RELEASE: release, COLOR: color, RATE_LIMIT_PER_MINUTE: "10000" } });
  }
});

after(async () => {
  await Promise.all(Object.values(edges).map((edge) => edge.dispose()));
  await fly?.stop();
  green?.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Each request goes to one color, picked by the deployment's percentages. */
const split: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const color = Math.random() * 100 < greenPercent ? "green" : "blue";
  return fetch(new URL(url.pathname + url.search, edges[color].origin), init);
};

async function connect(): Promise<Client> {
  const client = new Client({ name: "fly-canary", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new StreamableHTTPClientTransport(new URL("/v1/mcp", edges.blue.origin), { fetch: split }));
  return client;
}

/** How many of `calls` kb_search answers green's handler gave. */
async function greenAnswers(client: Client, calls: number): Promise<number> {
  let greens = 0;
  for (let i = 0; i < calls; i++) {
    const { hits } = structured(await client.callTool({ name: "kb_search", arguments: { query: "canary" } })) as { hits: { title: string }[] };
    assert.equal(hits.length, 2, "both colors' writes are found");
    const marked = hits.filter((hit) => hit.title.startsWith("[green] ")).length;
    assert.ok(marked === 0 || marked === hits.length, "one call, one release's handler");
    if (marked > 0) greens++;
  }
  return greens;
}

test("a 10% canary runs green's Fly handler for about 10% of kb_search calls, and after rollback for none, with no restart", async () => {
  const client = await connect();
  // kb_put through each color: both land in the one database.
  greenPercent = 0;
  await client.callTool({ name: "kb_put", arguments: { key: "by-blue", title: "Canary notes by blue", body: "written through blue" } });
  greenPercent = 100;
  await client.callTool({ name: "kb_put", arguments: { key: "by-green", title: "Canary notes by green", body: "written through green" } });
  assert.equal(await greenAnswers(client, 3), 3, "green's traffic runs green's handler, and green reads blue's write");
  greenPercent = 0;
  assert.equal(await greenAnswers(client, 3), 0, "blue's traffic runs blue's handler, and blue reads green's write");

  const pids = [...fly.releases.values()].map((served) => served.pid);
  greenPercent = 10;
  const canary = await greenAnswers(client, CALLS);
  // Binomial(300, 0.1): mean 30, sd 5.2; 12..55 is beyond 3.4 sd either side.
  assert.ok(canary >= 12 && canary <= 55, `${canary} of ${CALLS} calls ran green's handler at a 10% canary`);

  greenPercent = 0; // rollback: the edge's split alone decides
  assert.equal(await greenAnswers(client, 100), 0, "no call runs green's handler after rollback");
  assert.deepEqual([...fly.releases.values()].map((served) => served.pid), pids, "no Fly process was restarted");
  assert.deepEqual([...fly.releases.values()].map((served) => served.restarts), [0, 0]);
  await client.close();
});
