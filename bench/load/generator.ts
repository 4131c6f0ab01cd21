/**
 * The open-loop load generator: a process of its own, forked by the bench
 * (load-generator.ts), never in the event loop of the server it loads. It
 * opens the target's sessions, then runs one rung per request: calls sent at
 * the times of a Poisson schedule, each at its time whether or not earlier
 * calls were answered.
 *
 * Why our own generator and not autocannon (9.0.0, in the registry): its
 * connections are closed loops (each sends its next request when the previous
 * one is answered, or pipelines a fixed number), its rate limit is a
 * per-connection budget per second that sends in bursts, and it corrects
 * coordinated omission after the fact from an assumed interval. An MCP
 * 2025-11-25 client must initialize a session and send its id on every call;
 * autocannon's request sequence restarts, context reset, on every loop, so
 * 1,000 sessions opened once and then called at one total rate is not
 * something it can be told. This file is small and speaks the same bytes as
 * the SDK clients (mcp-wire.ts).
 *
 * No coordinated omission: a call's latency runs from its scheduled time, not
 * from when it left; a slow server makes later calls wait, and that wait is
 * counted. The generator's own lateness (send lag: sent minus scheduled) and
 * CPU are reported per rung, so a rung the generator could not keep up with
 * is flagged (ladder.ts) instead of being charged to the server.
 *
 * Bounded: a rung ends at its last arrival plus the call timeout; calls still
 * unanswered then are errors ("timeout") and their sockets are destroyed. The
 * process ends when the bench disconnects.
 */
import { cpuUsage } from "node:process";
import { HttpClient } from "../http-client.ts";
import { isToolSuccess, McpConversation } from "../mcp-wire.ts";
import type { Answer } from "../http-client.ts";
import { quantile } from "../stats.ts";
import { poissonArrivals } from "./arrivals.ts";
import type { FromGenerator, LoadTarget, RungJob, RungResult, ToGenerator } from "./protocol.ts";

/** Sessions initialized at once while opening (a crowd of agents connecting, not a stampede). */
const OPEN_CONCURRENCY = 32;
/** The first arrival is this far after the rung is set up, so setting up never makes a call late. */
const LEAD_MS = 20;

let target: LoadTarget | undefined;
let client: HttpClient | undefined;
let conversations: McpConversation[] = [];

async function open(next: LoadTarget): Promise<FromGenerator> {
  target = next;
  client = new HttpClient(next.origin, { sockets: next.sockets });
  const count = next.era === "2025-11-25" ? next.sessions : 1;
  const started = performance.now();
  conversations = [];
  for (let first = 0; first < count; first += OPEN_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(OPEN_CONCURRENCY, count - first) }, () => McpConversation.open(client!, next.path, next.era));
    conversations.push(...(await Promise.all(batch)));
  }
  return { kind: "opened", sessions: conversations.length, openMs: performance.now() - started };
}

function classify(answer: Answer): string | undefined {
  if (answer.status !== 200) return `HTTP ${answer.status}`;
  return isToolSuccess(answer) ? undefined : "tool error";
}

function runRung(job: RungJob): Promise<RungResult> {
  const { call } = target!;
  const arrivals = poissonArrivals(job.ratePerSecond, job.durationMs, job.seed);
  const http = client!;
  const latencies: number[] = [];
  const lags = new Float64Array(arrivals.length);
  const errorKinds: Record<string, number> = {};
  const pending = new Map<number, number>();
  let ok = 0;
  let lastAnswer = 0;
  let ended = false;
  const fail = (kind: string) => (errorKinds[kind] = (errorKinds[kind] ?? 0) + 1);
  const cpuBefore = cpuUsage();
  const start = performance.now() + LEAD_MS;
  const deadline = start + (arrivals.at(-1) ?? 0) + job.timeoutMs;

  return new Promise<RungResult>((resolve) => {
    const finish = () => {
      if (ended) return;
      ended = true;
      clearTimeout(deadlineTimer);
      const now = performance.now();
      for (const scheduled of pending.values()) {
        latencies.push(now - scheduled);
        fail("timeout");
      }
      // Calls still out hold sockets a later rung must not inherit.
      if (pending.size > 0) replaceClient();
      const cpu = cpuUsage(cpuBefore);
      const wallMs = now - start + LEAD_MS;
      const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
      resolve({
        offeredPerSecond: job.ratePerSecond,
        calls: arrivals.length,
        achievedPerSecond: ok / (Math.max(lastAnswer - start, 1) / 1000),
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        maxMs: latencies.reduce((a, b) => Math.max(a, b), 0),
        errors,
        errorKinds,
        sendLagP50Ms: quantile(Array.from(lags), 0.5),
        sendLagP99Ms: quantile(Array.from(lags), 0.99),
        generatorCores: (cpu.user + cpu.system) / 1000 / wallMs,
      });
    };
    const deadlineTimer = setTimeout(finish, deadline - performance.now());

    const answered = (index: number, kind: string | undefined) => {
      if (ended) return;
      const scheduled = pending.get(index)!;
      pending.delete(index);
      const now = performance.now();
      const latency = now - scheduled;
      latencies.push(latency);
      lastAnswer = now;
      if (latency > job.timeoutMs) fail("timeout");
      else if (kind !== undefined) fail(kind);
      else ok++;
      if (pending.size === 0 && next === arrivals.length) finish();
    };

    const fire = (index: number, scheduled: number) => {
      lags[index] = performance.now() - scheduled;
      pending.set(index, scheduled);
      conversations[index % conversations.length]!.call(call).then(
        (answer) => answered(index, classify(answer)),
        (error: NodeJS.ErrnoException) => answered(index, `network (${error.code ?? error.message})`),
      );
    };

    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < arrivals.length && start + arrivals[next]! <= now) {
        fire(next, start + arrivals[next]!);
        next++;
      }
      // Node's timers have 1 ms granularity: a call is sent up to about 1 ms late, and that shows in its send lag.
      if (next < arrivals.length) setTimeout(tick, Math.max(0, start + arrivals[next]! - performance.now()));
      else if (pending.size === 0) finish();
    };
    if (arrivals.length === 0) finish();
    else setTimeout(tick, LEAD_MS);
  });
}

/** A client with fresh sockets for the same sessions (a session is its id, not its connection). */
function replaceClient(): void {
  client?.close();
  client = new HttpClient(target!.origin, { sockets: target!.sockets });
  conversations = conversations.map((conversation) => conversation.on(client!));
}

async function handle(message: ToGenerator): Promise<FromGenerator | undefined> {
  if (message.kind === "open") return open(message.target);
  if (message.kind === "rung") return { kind: "rung", result: await runRung(message.job) };
  client?.close();
  process.disconnect();
  return undefined;
}

process.on("message", (message: ToGenerator) => {
  handle(message).then(
    (reply) => reply && process.send!(reply),
    (error: unknown) => process.send!({ kind: "failed", message: (error as Error).message } satisfies FromGenerator),
  );
});
// The bench is gone (finished, crashed or killed): so is its load.
process.on("disconnect", () => process.exit(0));
