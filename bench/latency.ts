/**
 * Tool-call latency over loopback: one call in flight at a time on a
 * keep-alive connection, for each protocol era and tool, against our server,
 * the raw floor of the same runtime and the peers (the SDK server with and
 * without an event store on Node, McpAgent on workerd). Targets take turns
 * inside every run, so drift of the machine hits all of them alike; each
 * figure is the median over runs.
 */
import { HttpClient } from "./http-client.ts";
import { ECHO, ERAS, isToolSuccess, McpConversation, NOTE_ADD, type Era, type ToolCall } from "./mcp-wire.ts";
import { elapsedMs, medianPercentiles, percentiles, type Percentiles } from "./stats.ts";
import type { Answer } from "./http-client.ts";

export const TOOL_CALLS: readonly ToolCall[] = [ECHO, NOTE_ADD];

/** Sends one scenario's call; a target builds one per era and tool. */
export type Caller = () => Promise<Answer>;

export interface LatencyTarget {
  /**
   * "ours", "floor", "peer-store" (the SDK server with an event store, as ours
   * has one), "peer" (without; McpAgent on workerd) or "backend" (a signed call
   * straight to a placement's origin, as the edge makes it).
   */
  role: "ours" | "floor" | "peer-store" | "peer" | "backend";
  label: string;
  caller(era: Era, call: ToolCall): Promise<Caller | undefined>;
}

export interface LatencyRow {
  runtime: string;
  era: Era;
  tool: string;
  role: LatencyTarget["role"];
  label: string;
  latency: Percentiles;
  calls: number;
  errors: number;
}

export interface LatencyPlan {
  runs: number;
  callsPerRun: number;
  warmupCalls: number;
}

/** A target that speaks MCP at `origin + path` (ours or the peer), one conversation per era. */
export interface McpTarget extends LatencyTarget {
  conversation(era: Era): Promise<McpConversation>;
  close(): void;
}

/** `eras`: the eras the target serves; for the others it has no caller (its cells stay empty). */
export function mcpTarget(role: "ours" | "peer-store" | "peer", label: string, origin: string, pathFor: (era: Era) => string, eras: readonly Era[] = ERAS): McpTarget {
  const client = new HttpClient(origin);
  const conversations = new Map<Era, Promise<McpConversation>>();
  const conversation = (era: Era) => {
    let open = conversations.get(era);
    if (open === undefined) {
      open = McpConversation.open(client, pathFor(era), era);
      conversations.set(era, open);
    }
    return open;
  };
  return {
    role,
    label,
    conversation,
    async caller(era, call) {
      if (!eras.includes(era)) return undefined;
      const open = await conversation(era);
      return () => open.call(call);
    },
    close: () => client.close(),
  };
}

/** The floor: the same request bytes to a server that replays the recorded answer. */
export function floorTarget(label: string, origin: string, ours: McpTarget): LatencyTarget & { close(): void } {
  const client = new HttpClient(origin);
  return {
    role: "floor",
    label,
    async caller(era, call) {
      const { body, headers } = (await ours.conversation(era)).toolCallRequest(call);
      const path = floorPath(era, call);
      return () => client.post(path, body, headers);
    },
    close: () => client.close(),
  };
}

/** Whether an answer is a success for a target of this role: an MCP tool result, or for a floor or a backend HTTP 200 without an error. */
function succeeded(role: LatencyTarget["role"], answer: Answer): boolean {
  if (role === "floor") return answer.status === 200;
  if (role === "backend") return answer.status === 200 && !answer.body.includes('"error"');
  return isToolSuccess(answer);
}

async function sample(caller: Caller, count: number, role: LatencyTarget["role"]): Promise<{ samples: number[]; errors: number }> {
  const samples: number[] = [];
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const answer = await caller();
    samples.push(elapsedMs(started));
    if (!succeeded(role, answer)) errors++;
  }
  return { samples, errors };
}

/** Measures every target on every era × tool; targets take turns within each run. */
export async function measureLatency(
  runtime: string,
  targets: readonly LatencyTarget[],
  plan: LatencyPlan,
  eras: readonly Era[] = ERAS,
  calls: readonly ToolCall[] = TOOL_CALLS,
): Promise<LatencyRow[]> {
  const rows: LatencyRow[] = [];
  for (const era of eras) {
    for (const call of calls) {
      const callers: { target: LatencyTarget; caller: Caller }[] = [];
      for (const target of targets) {
        const caller = await target.caller(era, call);
        if (caller !== undefined) callers.push({ target, caller });
      }
      for (const { caller, target } of callers) await sample(caller, plan.warmupCalls, target.role);
      const runs = new Map<LatencyTarget, { percentiles: Percentiles[]; errors: number }>(callers.map(({ target }) => [target, { percentiles: [], errors: 0 }]));
      for (let run = 0; run < plan.runs; run++) {
        for (const { target, caller } of callers) {
          const { samples, errors } = await sample(caller, plan.callsPerRun, target.role);
          const entry = runs.get(target)!;
          entry.percentiles.push(percentiles(samples));
          entry.errors += errors;
        }
      }
      for (const { target } of callers) {
        const entry = runs.get(target)!;
        rows.push({
          runtime,
          era,
          tool: call.tool,
          role: target.role,
          label: target.label,
          latency: medianPercentiles(entry.percentiles),
          calls: plan.runs * plan.callsPerRun,
          errors: entry.errors,
        });
      }
    }
  }
  return rows;
}

/** Records what our server answers to each era × tool, for the floor to replay. */
export async function recordAnswers(ours: LatencyTarget, eras: readonly Era[] = ERAS): Promise<Map<string, { era: Era; call: ToolCall; answer: Answer }>> {
  const recorded = new Map<string, { era: Era; call: ToolCall; answer: Answer }>();
  for (const era of eras) {
    for (const call of TOOL_CALLS) {
      const caller = await ours.caller(era, call);
      const answer = await caller!();
      if (!isToolSuccess(answer)) throw new Error(`${call.tool} at ${era} failed on our server: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      recorded.set(floorPath(era, call), { era, call, answer });
    }
  }
  return recorded;
}

export function floorPath(era: Era, call: ToolCall): string {
  return `/floor/${era}/${call.tool}`;
}
