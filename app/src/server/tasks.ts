import {
  CLIENT_CAPABILITIES_META_KEY,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type McpServer,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { OrphanTask, SqlTaskStore, TaskCall as StoredCall, TaskRecord } from "../state/sql-tasks.ts";
import type { TaskControl } from "../tools/context.ts";
import type { Outcome } from "./invoker.ts";

/** The extension's identifier (SEP-2663), advertised in `capabilities.extensions` and declared by clients per request. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** How long a task (and its result) can be read after its creation: one hour (docs/architecture.md, "Tasks"). */
export const TASK_TTL_MS = 3_600_000;
/** How often a client is told to poll `tasks/get`. */
export const TASK_POLL_INTERVAL_MS = 500;
/** How long a task's work may run before it is stopped (a call that is not a task has the host's per-call limit). */
export const TASK_RUN_LIMIT_MS = 15 * 60_000;
/** Active tasks one principal may have in one process; more are refused, so that nobody takes the server over. */
export const MAX_ACTIVE_TASKS_PER_PRINCIPAL = 32;
/** A running task's lease: renewed every RENEW_MS while its process lives; past it, the task's work is known lost. */
const LEASE_MS = 10_000;
const RENEW_MS = 3_000;

/** How a task's work ended, to record. */
export type TaskEnd =
  | { status: "completed"; result: Record<string, unknown> }
  | { status: "failed"; error: { code: number; message: string; data?: unknown } }
  | { status: "cancelled" };

/** A tools/call served by {@link TaskRunner.call}: the handler's own outcome, or the task it became. */
export type TaskCall = { kind: "sync"; outcome: Outcome } | { kind: "task"; result: Record<string, unknown> };

/** Whether this request declared the extension (2026-07-28: per request, in the `_meta` envelope's client capabilities). */
export function declaresTasks(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, { extensions?: Record<string, unknown> } | undefined> | undefined;
  const extensions = envelope?.[CLIENT_CAPABILITIES_META_KEY]?.extensions;
  return extensions !== undefined && extensions !== null && typeof extensions === "object" && Object.hasOwn(extensions, TASKS_EXTENSION);
}

/** -32021 with the capability the client lacks, as the extension requires. */
export function missingTasksCapability(what: string): MissingRequiredClientCapabilityError {
  return new MissingRequiredClientCapabilityError(
    { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    `${what} needs the ${TASKS_EXTENSION} extension: declare it in the request's client capabilities`,
  );
}

interface Outstanding {
  /** The key the handler asked under (the task's key may carry a suffix). */
  key: string;
  request: { method: string; params?: unknown };
  asking: Asking;
}

interface Asking {
  remaining: Set<string>;
  responses: Record<string, unknown>;
  resolve: (responses: Record<string, unknown>) => void;
}

interface LiveTask {
  id: string;
  /** The record as created (what the CreateTaskResult shows). */
  created: TaskRecord;
  principal: string;
  controller: AbortController;
  outstanding: Map<string, Outstanding>;
  /** Every input key this task used: a key is never reused in a task's lifetime. */
  used: Set<string>;
}

/** Runs a claimed task's work again, with nobody's request behind it; how it ended, to record. */
export type ResumeTask = (task: OrphanTask, run: { cancel: AbortSignal; timeoutMs: number }) => Promise<TaskEnd>;

/**
 * Tasks on Node: their records in SQLite (state/sql-tasks.ts), their work in
 * this process. A task outlives the request that made it and any connection;
 * its record outlives the process: work that was running when the process
 * died is run again by a process serving the tool (resumeWith) when the task
 * can be resumed, and ends `failed` (LOST_WORK_MESSAGE) when it cannot. Only
 * the principal that created a task can read, answer or cancel it; another's
 * task id is "not found".
 */
export class TaskRunner {
  readonly #store: SqlTaskStore;
  readonly #live = new Map<string, LiveTask>();
  readonly #log: (message: string, error: unknown) => void;
  readonly #onRunning: () => void;
  #renewer: ReturnType<typeof setInterval> | undefined;
  #claimer: ReturnType<typeof setInterval> | undefined;
  #claim: (() => void) | undefined;

  /** `onRunning`: a task's work starts here (the Worker's object arms its alarm, which wakes it after a restart). */
  constructor(store: SqlTaskStore, log: (message: string, error: unknown) => void = () => undefined, onRunning: () => void = () => undefined) {
    this.#store = store;
    this.#log = log;
    this.#onRunning = onRunning;
  }

  /**
   * Serves a tools/call that may become a task. `start` runs the tool with
   * the signal that stops it and the handler's TaskControl; until the
   * handler detaches, the client's request can still cancel it and its
   * outcome is the call's (`sync`). `end` says how an outcome is recorded.
   */
  async call(
    scope: { principal: string; tool: string; resumable?: StoredCall },
    ctx: ServerContext,
    options: { detachAtOnce: boolean },
    start: (run: { cancel: AbortSignal; task: TaskControl; timeoutMs: number }) => Promise<Outcome>,
    end: (outcome: Outcome) => TaskEnd,
  ): Promise<TaskCall> {
    if ([...this.#live.values()].filter((task) => task.principal === scope.principal).length >= MAX_ACTIVE_TASKS_PER_PRINCIPAL) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `Too many tasks running: ${MAX_ACTIVE_TASKS_PER_PRINCIPAL} of yours are active; wait for one to end or cancel one (tasks/cancel)`,
      );
    }
    const controller = new AbortController();
    const request = ctx.mcpReq.signal;
    const onRequestAbort = () => controller.abort(request.reason);
    if (request.aborted) onRequestAbort();
    else request.addEventListener("abort", onRequestAbort, { once: true });
    let created: Promise<LiveTask> | undefined;
    let announce!: (task: LiveTask) => void;
    const detached = new Promise<LiveTask>((resolve) => (announce = resolve));
    const detach = (): Promise<LiveTask> => {
      created ??= (async () => {
        // From here on the task is the client's to cancel (tasks/cancel), not its request's.
        request.removeEventListener("abort", onRequestAbort);
        const record = this.#store.create({
          id: crypto.randomUUID(),
          principal: scope.principal,
          tool: scope.tool,
          ttlMs: TASK_TTL_MS,
          leaseUntil: Date.now() + LEASE_MS,
          ...(scope.resumable ? { call: scope.resumable } : {}),
        });
        const live: LiveTask = { id: record.id, created: record, principal: scope.principal, controller, outstanding: new Map(), used: new Set() };
        this.#live.set(live.id, live);
        this.#renewLeases();
        announce(live);
        return live;
      })();
      return created;
    };
    const task: TaskControl = {
      detach: async () => void (await detach()),
      ask: async (requests) => this.#ask(await detach(), requests),
    };
    const work = start({ cancel: controller.signal, task, timeoutMs: TASK_RUN_LIMIT_MS });
    if (options.detachAtOnce) void detach().catch(() => undefined);
    const first = await Promise.race([work.then((outcome) => ({ outcome })), detached.then(() => ({ outcome: undefined }))]);
    if (created === undefined && first.outcome !== undefined) {
      request.removeEventListener("abort", onRequestAbort);
      return { kind: "sync", outcome: first.outcome };
    }
    let live: LiveTask;
    try {
      live = await created!;
    } catch (error) {
      controller.abort(error);
      throw error;
    }
    void work
      .then((outcome) => this.#store.finish(live.id, end(outcome)))
      .catch((error: unknown) => {
        this.#log(`task ${live.id} (${scope.tool}) could not be recorded`, error);
        const message = `${scope.tool} finished, but its result could not be recorded`;
        try {
          this.#store.finish(live.id, { status: "failed", statusMessage: message, error: { code: ProtocolErrorCode.InternalError, message } });
        } catch {
          // The database refuses writes: the lease runs out and the task reads as failed.
        }
      })
      .finally(() => this.#live.delete(live.id));
    return { kind: "task", result: { resultType: "task", ...taskFields(live.created) } };
  }

  /**
   * Runs again, in this process, the resumable tasks of `tools` whose process
   * died: checked now and, with `poll`, every few seconds (a dead process's
   * lease runs out LEASE_MS after its last renewal); without it, at each claimNow.
   */
  resumeWith(tools: ReadonlySet<string>, resume: ResumeTask, options: { poll: boolean } = { poll: true }): void {
    this.#claim = () => {
      let orphans: OrphanTask[];
      try {
        orphans = this.#store.claimOrphans(tools, Date.now() + LEASE_MS);
      } catch (error) {
        this.#log("tasks whose process died could not be claimed", error);
        return;
      }
      for (const orphan of orphans) this.#resume(orphan, resume);
    };
    this.#claim();
    // A Durable Object is woken by its alarm instead (claimNow): a timer would keep every such object awake.
    if (!options.poll) return;
    this.#claimer = setInterval(this.#claim, RENEW_MS);
    (this.#claimer as { unref?: () => void }).unref?.();
  }

  /** Claims now the tasks resumeWith would claim at its next poll (a Durable Object's alarm). */
  claimNow(): void {
    this.#claim?.();
  }

  #resume(orphan: OrphanTask, resume: ResumeTask): void {
    const controller = new AbortController();
    const now = Date.now();
    const created: TaskRecord = { id: orphan.id, principal: orphan.principal, tool: orphan.tool, status: "working", ttlMs: TASK_TTL_MS, createdAt: now, updatedAt: now };
    const live: LiveTask = { id: orphan.id, created, principal: orphan.principal, controller, outstanding: new Map(), used: new Set() };
    this.#live.set(live.id, live);
    this.#renewLeases();
    this.#log(`task ${orphan.id} (${orphan.tool}) lost its process; running it again (attempt ${orphan.attempts})`, undefined);
    void resume(orphan, { cancel: controller.signal, timeoutMs: TASK_RUN_LIMIT_MS })
      .then((end) => this.#store.finish(live.id, end))
      .catch((error: unknown) => {
        this.#log(`task ${orphan.id} (${orphan.tool}) failed when run again`, error);
        const message = `${orphan.tool} could not be run again after the server restarted`;
        this.#store.finish(live.id, { status: "failed", statusMessage: message, error: { code: ProtocolErrorCode.InternalError, message } });
      })
      .finally(() => this.#live.delete(live.id));
  }

  /** `tasks/get`: the task with its outstanding input requests, result or error. */
  get(principal: string, taskId: string): Record<string, unknown> {
    const record = this.#found(principal, taskId);
    return {
      ...taskFields(record),
      ...(record.status === "input_required" && record.inputRequests ? { inputRequests: record.inputRequests } : {}),
      ...(record.status === "completed" && record.result ? { result: record.result } : {}),
      ...(record.status === "failed" && record.error ? { error: record.error } : {}),
    };
  }

  /** `tasks/update`: answers the outstanding requests among `responses`; other keys are ignored, as the extension says. */
  update(principal: string, taskId: string, responses: Record<string, unknown>): void {
    this.#found(principal, taskId);
    const live = this.#live.get(taskId);
    if (live === undefined) return;
    let answered = false;
    for (const [key, response] of Object.entries(responses)) {
      const entry = live.outstanding.get(key);
      if (entry === undefined) continue;
      live.outstanding.delete(key);
      entry.asking.remaining.delete(key);
      entry.asking.responses[entry.key] = response;
      answered = true;
      if (entry.asking.remaining.size === 0) entry.asking.resolve(entry.asking.responses);
    }
    // Before the ack: a tasks/get right after it sees only the keys still outstanding.
    if (answered) this.#store.setInputRequests(taskId, requestsOf(live));
  }

  /** `tasks/cancel`: an active task ends `cancelled` and its work is aborted; a terminal one stays as it is. */
  cancel(principal: string, taskId: string): void {
    const record = this.#found(principal, taskId);
    if (record.status !== "working" && record.status !== "input_required") return;
    this.#store.finish(taskId, { status: "cancelled", statusMessage: "Cancelled by the client" });
    this.#live.get(taskId)?.controller.abort(new Error("the task was cancelled"));
  }

  /** A graceful stop: hands the resumable tasks running here to the next process, fails the others, and stops their work. */
  close(): void {
    if (this.#renewer !== undefined) clearInterval(this.#renewer);
    this.#renewer = undefined;
    if (this.#claimer !== undefined) clearInterval(this.#claimer);
    this.#claimer = undefined;
    for (const live of this.#live.values()) {
      try {
        // A resumable task is left to the next process, which runs it again; another one's work is lost.
        if (!this.#store.release(live.id)) {
          this.#store.finish(live.id, { status: "failed", statusMessage: SHUTDOWN_MESSAGE, error: { code: ProtocolErrorCode.InternalError, message: SHUTDOWN_MESSAGE } });
        }
      } catch (error) {
        this.#log(`task ${live.id} could not be failed at shutdown`, error);
      }
      live.controller.abort(new Error("the server is shutting down"));
    }
    this.#live.clear();
  }

  #found(principal: string, taskId: string): TaskRecord {
    const record = this.#store.get(principal, taskId);
    if (record === undefined) {
      // Said to the log, never to the client: enough to tell a lost record from a wrong id (no principal is named).
      this.#log(`task ${taskId.slice(0, 8)}… not found (${this.#store.count()} records here, ${this.#live.size} running in this process)`, undefined);
    }
    // Another principal's task is not found either: whether an id exists is not disclosed.
    if (record === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task not found: ${JSON.stringify(taskId.slice(0, 100))}`);
    return record;
  }

  #ask(live: LiveTask, requests: Record<string, { method: string; params?: unknown }>): Promise<Record<string, unknown>> {
    const signal = live.controller.signal;
    // Work that depends on the client's answers is not the same work when run again: it is not resumed.
    this.#store.forgetCall(live.id);
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const asking: Asking = { remaining: new Set(), responses: {}, resolve };
      for (const [key, request] of Object.entries(requests)) {
        let taskKey = key;
        for (let n = 2; live.used.has(taskKey); n++) taskKey = `${key}-${n}`;
        live.used.add(taskKey);
        live.outstanding.set(taskKey, { key, request, asking });
        asking.remaining.add(taskKey);
      }
      if (asking.remaining.size === 0) return resolve({});
      this.#store.setInputRequests(live.id, requestsOf(live));
      signal.addEventListener(
        "abort",
        () => {
          for (const key of asking.remaining) live.outstanding.delete(key);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Renews the leases of the tasks running here while there are any; a task another process ended is stopped here. */
  #renewLeases(): void {
    this.#onRunning();
    if (this.#renewer !== undefined) return;
    this.#renewer = setInterval(() => {
      if (this.#live.size === 0) {
        if (this.#renewer !== undefined) clearInterval(this.#renewer);
        this.#renewer = undefined;
        return;
      }
      try {
        for (const id of this.#store.renew([...this.#live.keys()], Date.now() + LEASE_MS)) this.#live.get(id)?.controller.abort(new Error("the task ended elsewhere"));
      } catch (error) {
        this.#log("task leases could not be renewed", error);
      }
    }, RENEW_MS);
    // Node: the renewal alone must not keep the process alive (workerd's timers are plain numbers).
    (this.#renewer as { unref?: () => void }).unref?.();
  }
}

/** A TaskRunner's log on the console, as both runtimes write it. */
export function logTasks(message: string, error: unknown): void {
  if (error === undefined) console.error(`[tasks] ${message}`);
  else console.error(`[tasks] ${message}:`, error);
}

/**
 * Whether a request is one the holder of its caller's tasks serves:
 * `tasks/get`, `tasks/update`, `tasks/cancel`, or a `tools/call` of a tool in
 * `taskTools` (one that may become a task). The Worker forwards these.
 */
export function isTaskRequest(body: unknown, taskTools: ReadonlySet<string>): boolean {
  const message = body as { method?: unknown; params?: { name?: unknown } } | undefined;
  if (message?.method === "tasks/get" || message?.method === "tasks/update" || message?.method === "tasks/cancel") return true;
  return message?.method === "tools/call" && typeof message.params?.name === "string" && taskTools.has(message.params.name);
}

const SHUTDOWN_MESSAGE = "The server shut down while this task was running; its work was lost. Call the tool again.";

function requestsOf(live: LiveTask): Record<string, unknown> {
  return Object.fromEntries([...live.outstanding].map(([key, entry]) => [key, entry.request]));
}

function taskFields(record: TaskRecord): Record<string, unknown> {
  return {
    taskId: record.id,
    status: record.status,
    ...(record.statusMessage === undefined ? {} : { statusMessage: record.statusMessage }),
    createdAt: new Date(record.createdAt).toISOString(),
    lastUpdatedAt: new Date(record.updatedAt).toISOString(),
    ttlMs: record.ttlMs,
    pollIntervalMs: TASK_POLL_INTERVAL_MS,
  };
}

const TaskParams = z.looseObject({ taskId: z.string().min(1) });

/**
 * `tasks/get`, `tasks/update` and `tasks/cancel` (SEP-2663) on `server`. The
 * capability gate comes first (-32021), then the task lookup (-32602).
 * `tasks/result` and `tasks/list` are not served (-32601): the extension removed them.
 */
export function registerTaskMethods(server: McpServer, runner: TaskRunner, principalOf: (ctx: ServerContext) => string): void {
  server.server.setRequestHandler("tasks/get", { params: TaskParams }, async (params, ctx) => {
    if (!declaresTasks(ctx)) throw missingTasksCapability("tasks/get");
    return { resultType: "complete", ...runner.get(principalOf(ctx), params.taskId) };
  });
  server.server.setRequestHandler(
    "tasks/update",
    { params: TaskParams.extend({ inputResponses: z.record(z.string(), z.unknown()).optional() }) },
    async (params, ctx) => {
      if (!declaresTasks(ctx)) throw missingTasksCapability("tasks/update");
      // The SDK lifts `inputResponses` out of every request's params (multi-round input, SEP-2322) into the context.
      runner.update(principalOf(ctx), params.taskId, params.inputResponses ?? ctx.mcpReq.inputResponses ?? {});
      return { resultType: "complete" };
    },
  );
  server.server.setRequestHandler("tasks/cancel", { params: TaskParams }, async (params, ctx) => {
    if (!declaresTasks(ctx)) throw missingTasksCapability("tasks/cancel");
    runner.cancel(principalOf(ctx), params.taskId);
    return { resultType: "complete" };
  });
}
