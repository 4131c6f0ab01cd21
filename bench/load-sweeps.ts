/**
 * Open-loop rate sweeps of every server the issue names, one server running
 * at a time: ours and the plain SDK server (with and without an event store)
 * on Node, ours and Cloudflare's McpAgent on workerd. 2025-11-25 load is
 * spread over the plan's open sessions; 2026-07-28 load is stateless calls.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEdgeWorker } from "../app/test/support/edge-worker.ts";
import { childrenNamed } from "./load/process-cpu.ts";
import { sweepRates, type SweepPlan, type SweepRow, type SweepSubject } from "./load/sweep.ts";
import { ECHO, ERAS, type Era, type ToolCall } from "./mcp-wire.ts";
import { nodePeerPath, spawnNodePeer, spawnOurNodeServer } from "./node-latency.ts";
import { BENCH_BINDINGS, startWorkerdPeer } from "./workerd-latency.ts";

export interface LoadPlan extends SweepPlan {
  call: ToolCall;
}

interface Running {
  subject: SweepSubject;
  eras: readonly Era[];
  stop(): Promise<void>;
}

/** The workerd processes a Miniflare start added (Miniflare does not say which is its own). */
async function newWorkerd<T>(start: () => Promise<T>): Promise<{ started: T; pids: number[] }> {
  const before = new Set(childrenNamed(process.pid, "workerd"));
  const started = await start();
  return { started, pids: childrenNamed(process.pid, "workerd").filter((pid) => !before.has(pid)) };
}

/** Each server, started only when its turn comes. */
const SERVERS: readonly (() => Promise<Running>)[] = [
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mcp-bench-load-"));
    const server = await spawnOurNodeServer(dataDir);
    return {
      subject: { runtime: "node", server: "ours", origin: server.origin, path: "/v1/mcp", pids: [server.child.pid!] },
      eras: ERAS,
      stop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
  async () => {
    const peer = await spawnNodePeer(true);
    return { subject: { runtime: "node", server: "sdk + event store", origin: peer.origin, path: "", pids: [peer.child.pid!] }, eras: ERAS, stop: () => peer.stop() };
  },
  async () => {
    const peer = await spawnNodePeer(false);
    // 2026-07-28 has no sessions, so no events to store: that leg is the same code as the one above.
    return { subject: { runtime: "node", server: "sdk", origin: peer.origin, path: "", pids: [peer.child.pid!] }, eras: ["2025-11-25"], stop: () => peer.stop() };
  },
  async () => {
    const { started: worker, pids } = await newWorkerd(() => startEdgeWorker({ bindings: BENCH_BINDINGS }));
    return { subject: { runtime: "workerd", server: "ours", origin: worker.origin, path: "/v1/mcp", pids }, eras: ERAS, stop: () => worker.dispose() };
  },
  async () => {
    const { started: worker, pids } = await newWorkerd(() => startWorkerdPeer());
    return { subject: { runtime: "workerd", server: "McpAgent", origin: worker.origin, path: "/mcp", pids }, eras: ["2025-11-25"], stop: () => worker.dispose() };
  },
];

function pathFor(subject: SweepSubject, era: Era): string {
  return subject.path === "" ? nodePeerPath(era) : subject.path;
}

export async function loadSweeps(plan: LoadPlan, log: (line: string) => void = () => undefined): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const start of SERVERS) {
    const running = await start();
    try {
      for (const era of running.eras) {
        log(`sweep ${running.subject.runtime} ${running.subject.server} ${era}`);
        rows.push(await sweepRates({ ...running.subject, path: pathFor(running.subject, era) }, era, plan.call, plan, log));
      }
    } finally {
      await running.stop();
    }
  }
  return rows;
}

if (import.meta.main) {
  const rows = await loadSweeps(
    { call: ECHO, ladder: [250, 500, 1000, 2000], rungMs: 2000, warmupMs: 1000, sessions: 200, timeoutMs: 2000, pauseMs: 500 },
    (line) => process.stderr.write(`${line}\n`),
  );
  for (const row of rows) console.log(row.runtime, row.server, row.era, JSON.stringify(row.highest));
}
