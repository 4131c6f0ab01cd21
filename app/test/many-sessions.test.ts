// 1,000 sessions opened at once, on Node and on the Worker in workerd: every one is served, and resident memory is
// measured before, at the peak and after the sessions end (Node: idle expiry; workerd: DELETE).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startWorkerBundle } from "../scripts/edge-miniflare.ts";
import { startEdgeWorker } from "./support/edge-worker.ts";
import { descendants } from "./support/processes.ts";
import { removeDataDir, startServer } from "./support/server-process.ts";

const SESSIONS = 1000;
const MB = 1024 * 1024;
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "many", version: "1" } } });

/** Resident memory of the processes, in MB. */
function residentMb(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024, 0) / MB;
}

/** Opens `count` sessions at once; their ids. */
async function openSessions(origin: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${origin}/v1/mcp`, { method: "POST", headers: HEADERS, body: INITIALIZE });
      await response.text();
      assert.equal(response.status, 200);
      return response.headers.get("mcp-session-id")!;
    }),
  );
}

async function statusOf(origin: string, sessionId: string): Promise<number> {
  const response = await fetch(`${origin}/v1/mcp`, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
  });
  await response.text();
  return response.status;
}

const workerdPids = () => descendants(process.pid).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd"));

test(`Node: ${SESSIONS} sessions at once, then their expiry, three times; memory grows less each round`, { timeout: 180_000 }, async (t) => {
  // Sessions idle for 3.6 s expire (the sweep runs every 1.8 s).
  const server = await startServer({ env: { MCP_START_COMPUTE: "0", MCP_SESSION_IDLE_HOURS: "0.001" } });
  try {
    const pid = server.child.pid!;
    const live = async () => ((await (await fetch(`${server.origin}/healthz`)).json()) as { liveSessions: number }).liveSessions;
    const round = async () => {
      const ids = await openSessions(server.origin, SESSIONS);
      const peak = residentMb([pid]);
      const deadline = Date.now() + 30_000;
      while ((await live()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(await live(), 0, "every session expired");
      assert.equal(await statusOf(server.origin, ids[0]!), 404, "an expired session is gone from the store too");
      return { peak, after: residentMb([pid]) };
    };
    await openSessions(server.origin, 20); // warms the code paths, so the baseline is a served server's
    const before = residentMb([pid]);
    const rounds = [await round(), await round(), await round()];
    t.diagnostic(
      `Node RSS: ${before.toFixed(0)} MB before; with ${SESSIONS} sessions / after their expiry: ` +
        rounds.map(({ peak, after }, i) => `round ${i + 1} ${peak.toFixed(0)} / ${after.toFixed(0)} MB`).join(", "),
    );
    // V8 keeps the heap it grew and settles its size over a few rounds (measured: +114, +50, +40, then 0 MB);
    // a leak would add about the first round's growth every round.
    const growth = (i: number) => rounds[i]!.after - (i === 0 ? before : rounds[i - 1]!.after);
    assert.ok(growth(2) < 0.6 * growth(0), `the third round grew resident memory by ${growth(2).toFixed(0)} MB, the first by ${growth(0).toFixed(0)} MB`);
  } finally {
    await server.stop();
    removeDataDir(server.dataDir);
  }
});

/**
 * Durable Objects that do nothing, under the same Miniflare setup and the same class names: what local workerd
 * itself keeps in memory per object it has run.
 */
const PLAIN_OBJECTS = `
import { DurableObject } from "cloudflare:workers";
export class McpSession extends DurableObject { fetch() { return new Response("ok"); } }
export class PrincipalState extends DurableObject {}
export default { fetch(request, env) { return env.MCP_SESSION.get(env.MCP_SESSION.idFromName(crypto.randomUUID())).fetch(request); } };`;

test(`workerd: ${SESSIONS} sessions at once, each in its own Durable Object, then their DELETE`, { timeout: 240_000 }, async (t) => {
  // What workerd keeps per object, whatever the object runs.
  const plainPath = join(tmpdir(), "plain-objects.js");
  writeFileSync(plainPath, PLAIN_OBJECTS);
  const plain = await startWorkerBundle({ scriptPath: plainPath });
  const plainPids = workerdPids();
  const plainBefore = residentMb(plainPids);
  await Promise.all(Array.from({ length: SESSIONS }, () => fetch(plain.url).then((response) => response.text())));
  const plainGrowth = residentMb(plainPids) - plainBefore;
  await plain.miniflare.dispose();

  const edge = await startEdgeWorker({ bindings: { RATE_LIMIT_PER_MINUTE: "100000" } });
  try {
    const pids = workerdPids();
    await openSessions(edge.origin, 10);
    const before = residentMb(pids);
    const ids = await openSessions(edge.origin, SESSIONS);
    const peak = residentMb(pids);
    const deleted = await Promise.all(
      ids.map(async (id) => {
        const response = await fetch(`${edge.mcpUrl}`, { method: "DELETE", headers: { "mcp-session-id": id, "mcp-protocol-version": "2025-11-25" } });
        await response.text();
        return response.status;
      }),
    );
    assert.deepEqual(new Set(deleted), new Set([200]));
    for (const id of ids.slice(0, 20)) assert.equal(await statusOf(edge.origin, id), 404, "a deleted session is gone");
    const after = residentMb(pids);
    const ours = peak - before;
    t.diagnostic(
      `workerd RSS: ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB with ${SESSIONS} sessions, ${after.toFixed(0)} MB after their DELETE; ` +
        `${SESSIONS} objects that do nothing grow it by ${plainGrowth.toFixed(0)} MB, ours by ${ours.toFixed(0)} MB`,
    );
    // Local workerd keeps every object it ran in memory (Cloudflare evicts idle ones); our code may add little to that.
    assert.ok(ours - plainGrowth < 150, `our sessions cost ${(ours - plainGrowth).toFixed(0)} MB more than ${SESSIONS} objects that do nothing`);
  } finally {
    await edge.dispose();
  }
});
