/**
 * Quotas at the HTTP layer, the same on both runtimes: which key a call
 * counts against, which counters apply to its tool, and what the caller is
 * told. Where the counters live is each runtime's (`take`): the Node
 * database, or the key's Durable Object on the Worker (state/sql-quotas.ts
 * either way).
 *
 * The key is the verified principal (the access token's `sub`, a static
 * token's subject, or the local default principal), never an address. With
 * `tenantClaim`, the claim's value in the token is the key instead, so the
 * subjects of one organization share one quota; a subject whose token has no
 * such claim (a static token, a user outside any organization) is counted by
 * itself.
 */
import type { Caller } from "../auth/caller.ts";
import type { QuotaCounter, QuotaDecision } from "../state/sql-quotas.ts";
import type { QuotaSettings } from "./quota-settings.ts";
import { rateLimitedResponse } from "./rate-limit.ts";

export type QuotaOutcome = QuotaDecision["outcome"];

/** Where quota decisions are counted, by tool and outcome only: never by whose call it was. */
export interface QuotaDecisionSink {
  record(tool: string, outcome: QuotaOutcome): void;
}

/** A tool call, as the endpoint read it from the request's body. */
export interface ToolCallRequest {
  id: string | number;
  tool: string;
  /** A 2026-07-28 request: its results carry `resultType`. */
  modern: boolean;
}

/** The key a caller's calls count against: its state key names the counters' home. */
export interface QuotaKey {
  /** `principal:<subject>` or `tenant:<claim value>`. */
  key: string;
  /** How the caller is addressed in what it is told. */
  who: string;
  scope: "principal" | "tenant";
}

export function quotaKeyOf(caller: Caller, settings: QuotaSettings): QuotaKey {
  if (settings.tenantClaim !== undefined && caller.tenant !== undefined) {
    return { key: `tenant:${caller.tenant}`, who: `your organization (${settings.tenantClaim} ${JSON.stringify(caller.tenant)})`, scope: "tenant" };
  }
  return { key: `principal:${caller.principal}`, who: "you", scope: "principal" };
}

/** The counters a call of `tool` is checked against: the key's own, then the tool's when it has limits of its own. */
export function quotaCounters(settings: QuotaSettings, tool: string): QuotaCounter[] {
  const own = settings.tools[tool];
  const counters: QuotaCounter[] = [{ tool: "", perMinute: settings.callsPerMinute, perDay: settings.callsPerDay }];
  if (own !== undefined) counters.push({ tool, ...(own.callsPerMinute === undefined ? {} : { perMinute: own.callsPerMinute }), ...(own.callsPerDay === undefined ? {} : { perDay: own.callsPerDay }) });
  return counters;
}

export class QuotaGate {
  readonly #settings: QuotaSettings;
  readonly #take: (key: string, counters: QuotaCounter[]) => QuotaDecision | Promise<QuotaDecision>;
  readonly #sink: QuotaDecisionSink;
  readonly #tools: ReadonlySet<string>;
  readonly #now: () => number;

  constructor(options: {
    settings: QuotaSettings;
    /** The tools served: a call of any other name is counted in telemetry as `other`, so names a client makes up add no series. */
    tools: Iterable<string>;
    /** Checks and counts one call atomically, where this runtime keeps the key's counters. */
    take: (key: string, counters: QuotaCounter[]) => QuotaDecision | Promise<QuotaDecision>;
    sink: QuotaDecisionSink;
    now?: () => number;
  }) {
    this.#settings = options.settings;
    this.#take = options.take;
    this.#sink = options.sink;
    this.#tools = new Set(options.tools);
    this.#now = options.now ?? Date.now;
  }

  /** Counts a tool call; `undefined` admits it, else the answer to send instead. */
  async admit(caller: Caller, call: ToolCallRequest): Promise<Response | undefined> {
    const key = quotaKeyOf(caller, this.#settings);
    const decision = await this.#take(key.key, quotaCounters(this.#settings, call.tool));
    this.#sink.record(this.#tools.has(call.tool) ? call.tool : "other", decision.outcome);
    if (decision.outcome === "admitted") return undefined;
    const calls = decision.tool === "" ? "tool calls" : `calls to ${decision.tool}`;
    const quota = { scope: key.scope, ...(decision.tool === "" ? {} : { tool: decision.tool }) };
    if (decision.outcome === "minute_limited") {
      return rateLimitedResponse(decision.limit, decision.retryAfterSeconds, call.id, { who: key.who, calls, data: { quota: { ...quota, window: "minute" } } });
    }
    return dailyQuotaResult(call, `Daily quota of ${decision.limit} ${calls} for ${key.who} ran out`, decision.resetsAt, this.#now());
  }
}

/**
 * A spent daily quota is a tool result with `isError`, not a protocol error:
 * the model reads it, can tell the user which quota ran out and when it
 * resets, and does not retry into it.
 */
function dailyQuotaResult(call: ToolCallRequest, ranOut: string, resetsAt: number, now: number): Response {
  const at = new Date(resetsAt).toISOString().replace(/\.000Z$/, "Z");
  const text = `${ranOut}; it resets at ${at} (in ${duration(resetsAt - now)}). Calls before then are refused the same way.`;
  const result = { content: [{ type: "text", text }], isError: true, ...(call.modern ? { resultType: "complete" } : {}) };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id: call.id, result }), { status: 200, headers: { "content-type": "application/json" } });
}

/** `3 h 12 min`, `12 min`, `1 min` at least: the wait as a person says it. */
function duration(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours === 0 ? `${minutes} min` : minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/** The tool call in a parsed JSON-RPC body, or `undefined` for anything else. */
export function toolCallOf(body: unknown, modern: boolean): ToolCallRequest | undefined {
  const message = body as { method?: unknown; id?: unknown; params?: { name?: unknown } } | undefined;
  if (message?.method !== "tools/call" || (typeof message.id !== "string" && typeof message.id !== "number")) return undefined;
  const tool = message.params?.name;
  return typeof tool === "string" ? { id: message.id, tool, modern } : undefined;
}
