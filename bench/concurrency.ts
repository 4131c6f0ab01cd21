/**
 * Concurrency sweep on one Node process: N sessions (2025-11-25) opened at
 * once, then each makes 20 `echo` calls back to back, all sessions at the
 * same time (closed loop: every session keeps one call in flight).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpClient } from "./http-client.ts";
import { ECHO, isToolSuccess, McpConversation } from "./mcp-wire.ts";
import { spawnOurNodeServer } from "./node-latency.ts";
import { elapsedMs, median, quantile } from "./stats.ts";

export const CALLS_PER_SESSION = 20;

export interface SweepRow {
  sessions: number;
  calls: number;
  /** Calls per second over the call phase (sessions already open). */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Time to open all sessions at once (initialize + initialized each). */
  openMs: number;
}

async function sweepOnce(origin: string, sessions: number): Promise<SweepRow> {
  const client = new HttpClient(origin, { sockets: sessions });
  let errors = 0;
  try {
    const openStarted = process.hrtime.bigint();
    const opened = await Promise.allSettled(Array.from({ length: sessions }, () => McpConversation.open(client, "/v1/mcp", "2025-11-25")));
    const openMs = elapsedMs(openStarted);
    const conversations = opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    errors += (sessions - conversations.length) * CALLS_PER_SESSION;
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(
      conversations.map(async (conversation) => {
        for (let i = 0; i < CALLS_PER_SESSION; i++) {
          const callStarted = process.hrtime.bigint();
          try {
            const answer = await conversation.call(ECHO);
            if (!isToolSuccess(answer)) errors++;
          } catch {
            errors++;
          }
          latencies.push(elapsedMs(callStarted));
        }
      }),
    );
    const wallMs = elapsedMs(started);
    return {
      sessions,
      calls: sessions * CALLS_PER_SESSION,
      throughput: (latencies.length / wallMs) * 1000,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      errors,
      openMs,
    };
  } finally {
    client.close();
  }
}

export async function concurrencySweep(levels: readonly number[], runs: number): Promise<SweepRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "mcp-bench-sweep-"));
  const server = await spawnOurNodeServer(dataDir);
  try {
    // Warm the server's code paths before the first measured level.
    await sweepOnce(server.origin, 10);
    const rows: SweepRow[] = [];
    for (const sessions of levels) {
      const results: SweepRow[] = [];
      for (let run = 0; run < runs; run++) results.push(await sweepOnce(server.origin, sessions));
      rows.push({
        sessions,
        calls: sessions * CALLS_PER_SESSION,
        throughput: median(results.map((r) => r.throughput)),
        p50Ms: median(results.map((r) => r.p50Ms)),
        p99Ms: median(results.map((r) => r.p99Ms)),
        errors: results.reduce((sum, r) => sum + r.errors, 0),
        openMs: median(results.map((r) => r.openMs)),
      });
    }
    return rows;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) console.table(await concurrencySweep([1, 10, 100, 1000], 1));
