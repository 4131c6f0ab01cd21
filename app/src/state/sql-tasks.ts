import type { Sql } from "./sql.ts";

/** A task's status (SEP-2663); the last three are terminal and never change again. */
export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

const ACTIVE = "('working', 'input_required')";

/** A task as the store keeps it; `result`, `error` and `inputRequests` are JSON values. */
export interface TaskRecord {
  id: string;
  principal: string;
  tool: string;
  status: TaskStatus;
  statusMessage?: string;
  inputRequests?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  ttlMs: number;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  principal: string;
  tool: string;
  status: TaskStatus;
  status_message: string | null;
  input_requests: string | null;
  result: string | null;
  error: string | null;
  ttl_ms: number;
  created_at: number;
  updated_at: number;
  lease_until: number | null;
  call: string | null;
  attempts: number;
}

/** What running a task's work again needs: the tool's arguments and the state the call was made in. */
export interface TaskCall {
  args: unknown;
  stateKey: string;
}

/** A task whose process died while it ran, claimed by this process to run again. */
export interface OrphanTask {
  id: string;
  principal: string;
  tool: string;
  call: TaskCall;
  attempts: number;
}

/** Runs of one task's work at most: a task whose work keeps killing its process is failed, not run forever. */
export const MAX_TASK_ATTEMPTS = 3;
/** How long after its lease ran out a resumable task waits for a process that serves its tool before it is failed. */
export const UNCLAIMED_GRACE_MS = 30_000;

/** What a task whose process ended while it ran ends as, when its work cannot be run again. */
export const LOST_WORK_MESSAGE = "The server restarted while this task was running; its work was lost. Call the tool again.";

/**
 * Tasks in the Node database (schema.ts, migration 4). A task is created
 * before its `tools/call` answers (the client may read it at once), belongs
 * to the principal that created it, and is kept `ttlMs` after its creation;
 * expired tasks are deleted in sweeps once they are terminal.
 *
 * The process running a task's work renews its lease; a task still active
 * whose lease ran out lost its work (the process died or was restarted). A
 * resumable one (it keeps `call`: a tool that writes nothing, and work that
 * asked the client nothing) is claimed by a process serving its tool and run
 * again, at most MAX_TASK_ATTEMPTS times in all; any other is failed when
 * next read. Several processes (pinned releases) may share the database:
 * each renews only its own tasks, and a claim is one atomic update.
 */
export class SqlTaskStore {
  readonly #sql: Sql;
  #writes = 0;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  create(task: { id: string; principal: string; tool: string; ttlMs: number; leaseUntil: number; call?: TaskCall }, now = Date.now()): TaskRecord {
    if (++this.#writes % 64 === 1) this.sweep(now);
    this.#sql.run(
      "INSERT INTO tasks (id, principal, tool, status, ttl_ms, created_at, updated_at, expires_at, lease_until, call) VALUES (?, ?, ?, 'working', ?, ?, ?, ?, ?, ?)",
      task.id,
      task.principal,
      task.tool,
      task.ttlMs,
      now,
      now,
      now + task.ttlMs,
      task.leaseUntil,
      task.call === undefined ? null : JSON.stringify(task.call),
    );
    return { id: task.id, principal: task.principal, tool: task.tool, status: "working", ttlMs: task.ttlMs, createdAt: now, updatedAt: now };
  }

  /** The principal's task, or undefined when there is none (or it is another principal's, or expired). */
  get(principal: string, id: string, now = Date.now()): TaskRecord | undefined {
    const row = this.#sql.get<Row>("SELECT * FROM tasks WHERE id = ? AND principal = ? AND expires_at > ?", id, principal, now);
    if (row === undefined) return undefined;
    if ((row.status === "working" || row.status === "input_required") && row.lease_until !== null && row.lease_until < now && !awaitingClaim(row, now)) {
      this.finish(id, { status: "failed", statusMessage: LOST_WORK_MESSAGE, error: { code: -32603, message: LOST_WORK_MESSAGE } }, now);
      return this.get(principal, id, now);
    }
    return recordOf(row);
  }

  /** Gives up this process's lease on a resumable task at once (a graceful stop), so the next process runs it; whether it could. */
  release(id: string, now = Date.now()): boolean {
    return this.#sql.get(`UPDATE tasks SET lease_until = ? WHERE id = ? AND status = 'working' AND call IS NOT NULL AND attempts < ? RETURNING id`, now - 1, id, MAX_TASK_ATTEMPTS) !== undefined;
  }

  /** The task's work asked the client something: running it again would not be the same work. */
  forgetCall(id: string): void {
    this.#sql.run("UPDATE tasks SET call = NULL WHERE id = ?", id);
  }

  /**
   * Claims, for this process, the active tasks of `tools` whose lease ran out
   * and that may run again: each is leased until `leaseUntil` and counts one
   * more attempt. The update is the claim, so two processes never both run one.
   */
  claimOrphans(tools: ReadonlySet<string>, leaseUntil: number, now = Date.now()): OrphanTask[] {
    const orphans = this.#sql.all<Row>(
      `SELECT * FROM tasks WHERE status = 'working' AND call IS NOT NULL AND attempts < ? AND lease_until < ? AND expires_at > ?`,
      MAX_TASK_ATTEMPTS,
      now,
      now,
    );
    const claimed: OrphanTask[] = [];
    for (const row of orphans) {
      if (!tools.has(row.tool)) continue;
      const won = this.#sql.get<Row>(
        `UPDATE tasks SET lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'working' AND lease_until < ? RETURNING *`,
        leaseUntil,
        now,
        row.id,
        now,
      );
      if (won?.call) claimed.push({ id: won.id, principal: won.principal, tool: won.tool, call: JSON.parse(won.call) as TaskCall, attempts: won.attempts });
    }
    return claimed;
  }

  /** Records the outstanding input requests of an active task (input_required when there are any, working when none). */
  setInputRequests(id: string, requests: Record<string, unknown>, now = Date.now()): void {
    const waiting = Object.keys(requests).length > 0;
    this.#sql.run(
      `UPDATE tasks SET status = ?, input_requests = ?, updated_at = ? WHERE id = ? AND status IN ${ACTIVE}`,
      waiting ? "input_required" : "working",
      waiting ? JSON.stringify(requests) : null,
      now,
      id,
    );
  }

  /** Ends an active task; a terminal one stays as it is (terminal states are sticky). Whether this call ended it. */
  finish(
    id: string,
    end: { status: "completed" | "failed" | "cancelled"; statusMessage?: string; result?: unknown; error?: { code: number; message: string; data?: unknown } },
    now = Date.now(),
  ): boolean {
    const ended = this.#sql.get<{ id: string }>(
      `UPDATE tasks SET status = ?, status_message = ?, result = ?, error = ?, input_requests = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND status IN ${ACTIVE} RETURNING id`,
      end.status,
      end.statusMessage ?? null,
      end.result === undefined ? null : JSON.stringify(end.result),
      end.error === undefined ? null : JSON.stringify(end.error),
      now,
      id,
    );
    return ended !== undefined;
  }

  /** Renews the lease of the tasks this process runs; returns those no longer active (cancelled by another process). */
  renew(ids: readonly string[], leaseUntil: number): string[] {
    const ended: string[] = [];
    this.#sql.transaction(() => {
      for (const id of ids) {
        if (this.#sql.get(`UPDATE tasks SET lease_until = ? WHERE id = ? AND status IN ${ACTIVE} RETURNING id`, leaseUntil, id) === undefined) ended.push(id);
      }
    });
    return ended;
  }

  /** How many task records this store holds (any principal's, any status): for the log line of a task not found. */
  count(): number {
    return this.#sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM tasks")?.n ?? 0;
  }

  /**
   * Whether an active task here has work running (its lease is renewed) or
   * may still be claimed to run again: the Worker's object keeps an alarm
   * while so, which wakes it after a restart (runtimes/worker/principal-state.ts).
   */
  watched(now = Date.now()): boolean {
    return this.#sql.get(`SELECT 1 AS found FROM tasks WHERE status IN ${ACTIVE} AND lease_until >= ? LIMIT 1`, now - UNCLAIMED_GRACE_MS) !== undefined;
  }

  /** Deletes terminal tasks past their time to live. */
  sweep(now = Date.now()): void {
    this.#sql.run(`DELETE FROM tasks WHERE expires_at <= ? AND status NOT IN ${ACTIVE}`, now);
  }
}

/** A resumable task whose lease ran out lately: a process serving its tool may still claim it. */
function awaitingClaim(row: Row, now: number): boolean {
  return row.status === "working" && row.call !== null && row.attempts < MAX_TASK_ATTEMPTS && row.lease_until !== null && now - row.lease_until < UNCLAIMED_GRACE_MS;
}

function recordOf(row: Row): TaskRecord {
  return {
    id: row.id,
    principal: row.principal,
    tool: row.tool,
    status: row.status,
    ...(row.status_message === null ? {} : { statusMessage: row.status_message }),
    ...(row.input_requests === null ? {} : { inputRequests: JSON.parse(row.input_requests) as Record<string, unknown> }),
    ...(row.result === null ? {} : { result: JSON.parse(row.result) as Record<string, unknown> }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as TaskRecord["error"] & object }),
    ttlMs: row.ttl_ms,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
