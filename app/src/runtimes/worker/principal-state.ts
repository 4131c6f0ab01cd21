import { DurableObject } from "cloudflare:workers";
import { RefreshSerializer } from "../../auth/builtin/refresh-serializer.ts";
import { buildMcpServer, resumeTasks } from "../../server/build-server.ts";
import { DEFAULT_MAX_BODY_BYTES } from "../../server/http-policy.ts";
import { jsonRpcErrorResponse, JsonRpcCode } from "../../server/json-rpc-error.ts";
import { createModernHandler, type ModernHandler } from "../../server/mcp-endpoint.ts";
import { RateLimiter } from "../../server/rate-limit.ts";
import { logTasks, TaskRunner } from "../../server/tasks.ts";
import type { Note, NoteStore } from "../../state/notes.ts";
import { PRINCIPAL_MIGRATIONS } from "../../state/schema.ts";
import { migrate } from "../../state/sql.ts";
import { SqlNoteStore } from "../../state/sql-notes.ts";
import { SqlQuotaLedger, type QuotaCounter, type QuotaDecision } from "../../state/sql-quotas.ts";
import { SqlTaskStore } from "../../state/sql-tasks.ts";
import type { Catalog } from "../../tools/index.ts";
import { DurableObjectSql } from "./durable-object-sql.ts";
import { builtinAuthFor, oauthEnv } from "./builtin-auth.ts";
import { workerSettings, type Env } from "./env.ts";
import { callerOf, FORWARD_HEADERS } from "./mcp-session.ts";
import { workerHost } from "./worker-host.ts";

/** How often the object's alarm looks at its tasks while one is active: after a restart, the alarm is what wakes it. */
const WATCH_MS = 5_000;

/** The class of the principal objects serving `catalog` (their tasks run its tools). */
export function principalStateClass(catalog: Catalog) {
  return class extends PrincipalState {
    protected override readonly catalog = catalog;
  };
}

/** What the object builds once it serves tasks: the server for the requests forwarded to it, and its tasks. */
interface Tasks {
  modern: ModernHandler;
  store: SqlTaskStore;
  runner: TaskRunner;
}

/**
 * State of the session-less 2026-07-28 era: one object per principal
 * (`idFromName("principal:<subject>")`), holding that principal's scratchpad,
 * its tool-call rate limit (the era has no session to hold one), its quota
 * counters (of both eras) and its tasks (io.modelcontextprotocol/tasks). A
 * tenant's shared quota has an object of its own, `tenant:<value>`. The Worker forwards every task
 * request here (a `tools/call` of a tool that may become a task, and
 * `tasks/get`, `tasks/update`, `tasks/cancel`): the task's record is in this
 * object's SQLite and its work runs in this object, as Node runs it in its
 * process (server/tasks.ts), so it outlives the request. While a task is
 * active an alarm is kept set; after a restart or an eviction it wakes the
 * object, which runs again the tasks that can be (resumeTasks) and fails the
 * others, as Node does.
 */
export abstract class PrincipalState extends DurableObject<Env> {
  protected abstract readonly catalog: Catalog;
  readonly #sql: DurableObjectSql;
  readonly #notes: SqlNoteStore;
  #limiter: RateLimiter | undefined;
  #quotas: SqlQuotaLedger | undefined;
  #tasks: Tasks | undefined;
  #refresh: RefreshSerializer | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = new DurableObjectSql(ctx.storage);
    migrate(this.#sql, PRINCIPAL_MIGRATIONS);
    this.#notes = new SqlNoteStore(this.#sql);
  }

  /** A 2026-07-28 task request the Worker forwarded, served as the Worker would serve any request (mcp-endpoint.ts). */
  override async fetch(request: Request): Promise<Response> {
    const caller = callerOf(request.headers.get(FORWARD_HEADERS.caller));
    if (caller === undefined) return jsonRpcErrorResponse(400, JsonRpcCode.invalidRequest, "Bad Request: not forwarded by the Worker");
    const body = request.method === "POST" ? await request.json() : undefined;
    return this.#served().modern.fetch(request, caller, body);
  }

  /** Wakes the object while a task is active: its tasks are claimed again once the lost work's lease runs out. */
  override async alarm(): Promise<void> {
    this.#served().runner.claimNow();
    await this.#watch();
  }

  /** Records a tool call; 0 when allowed, else the seconds until one is. */
  takeToolCall(limitPerMinute: number): number {
    if (this.#limiter?.limit !== limitPerMinute) this.#limiter = new RateLimiter(limitPerMinute);
    return this.#limiter.take();
  }

  /**
   * A refresh_token request of this principal's grants, at the built-in authorization server:
   * rotations run here one at a time, and a repeat within seconds gets the same answer (refresh-serializer.ts).
   */
  rotateRefreshToken(request: Request): Promise<Response> {
    const server = builtinAuthFor(this.env, this.catalog);
    if (server === undefined) return Promise.resolve(Response.json({ error: "unsupported_grant_type" }, { status: 400 }));
    this.#refresh ??= new RefreshSerializer();
    return this.#refresh.run(request, (rotation) => server.rotate(rotation, oauthEnv(this.env), this.ctx as unknown as ExecutionContext));
  }

  /**
   * Checks a call against the quota counters of the key this object holds
   * (`principal:<subject>`, or `tenant:<value>` for a tenant's shared quota)
   * and counts it. The object runs one call at a time, so check and count are one step.
   */
  takeQuota(key: string, counters: QuotaCounter[]): QuotaDecision {
    this.#quotas ??= new SqlQuotaLedger(this.#sql);
    return this.#quotas.take(key, counters);
  }

  noteAdd(stateKey: string, text: string): Promise<Note> {
    return this.#notes.add(stateKey, text);
  }

  noteList(stateKey: string, limit: number): Promise<Note[]> {
    return this.#notes.list(stateKey, limit);
  }

  noteClear(stateKey: string): Promise<void> {
    return this.#notes.clear(stateKey);
  }

  #served(): Tasks {
    if (this.#tasks !== undefined) return this.#tasks;
    const settings = workerSettings(this.env);
    const store = new SqlTaskStore(this.#sql);
    const runner = new TaskRunner(store, logTasks, () => void this.#watch().catch((error: unknown) => logTasks("the tasks' alarm could not be set", error)));
    // The object serves only its own principal's state key (`principal:<subject>`): its scratchpad is its own.
    const host = workerHost(this.env, settings, this.catalog, this.#notes, { tasks: runner });
    const modern = createModernHandler(() => buildMcpServer(this.catalog, host), {
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      onError: (error) => console.error("[mcp principal]", error.message),
    });
    this.#tasks = { modern, store, runner };
    // Tasks whose work was lost (workerd restarted, the object was evicted) are run again here when they can be.
    const resumable = resumeTasks(this.catalog, host);
    runner.resumeWith(resumable.tools, resumable.resume, { poll: false });
    return this.#tasks;
  }

  /** Keeps an alarm set while a task is active here, and none once none is. */
  async #watch(): Promise<void> {
    if (!this.#tasks?.store.watched()) return;
    const at = await this.ctx.storage.getAlarm();
    if (at === null || at > Date.now() + WATCH_MS) await this.ctx.storage.setAlarm(Date.now() + WATCH_MS);
  }
}

/** The scratchpad as seen from the Worker: each state key lives in its own object. */
export class PrincipalNoteStore implements NoteStore {
  readonly #namespace: DurableObjectNamespace<PrincipalState>;

  constructor(namespace: DurableObjectNamespace<PrincipalState>) {
    this.#namespace = namespace;
  }

  add(stateKey: string, text: string): Promise<Note> {
    return this.#stub(stateKey).noteAdd(stateKey, text);
  }

  list(stateKey: string, limit: number): Promise<Note[]> {
    return this.#stub(stateKey).noteList(stateKey, limit);
  }

  clear(stateKey: string): Promise<void> {
    return this.#stub(stateKey).noteClear(stateKey);
  }

  #stub(stateKey: string) {
    return principalObject(this.#namespace, stateKey);
  }
}

/** The object holding a state key's state (`principal:<subject>` in the 2026-07-28 era). */
export function principalObject(namespace: DurableObjectNamespace<PrincipalState>, stateKey: string) {
  return namespace.get(namespace.idFromName(stateKey));
}
