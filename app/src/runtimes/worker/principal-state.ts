import { DurableObject } from "cloudflare:workers";
import { RateLimiter } from "../../server/rate-limit.ts";
import type { Note, NoteStore } from "../../state/notes.ts";
import { SESSION_MIGRATIONS } from "../../state/schema.ts";
import { migrate } from "../../state/sql.ts";
import { SqlNoteStore } from "../../state/sql-notes.ts";
import { DurableObjectSql } from "./durable-object-sql.ts";
import type { Env } from "./env.ts";

/**
 * State of the session-less 2026-07-28 era: one object per principal
 * (`idFromName("principal:<subject>")`), holding that principal's scratchpad
 * and its tool-call rate limit (the era has no session to hold one).
 */
export class PrincipalState extends DurableObject<Env> {
  readonly #notes: SqlNoteStore;
  #limiter: RateLimiter | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = new DurableObjectSql(ctx.storage);
    migrate(sql, SESSION_MIGRATIONS);
    this.#notes = new SqlNoteStore(sql);
  }

  /** Records a tool call; 0 when allowed, else the seconds until one is. */
  takeToolCall(limitPerMinute: number): number {
    if (this.#limiter?.limit !== limitPerMinute) this.#limiter = new RateLimiter(limitPerMinute);
    return this.#limiter.take();
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
    return this.#namespace.get(this.#namespace.idFromName(stateKey));
  }
}
