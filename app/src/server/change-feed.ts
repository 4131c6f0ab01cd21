import type { ServerEventBus } from "@modelcontextprotocol/server";

/** A list a client may be told changed. */
export type ChangedList = "tools" | "prompts" | "resources";

/**
 * Where a host announces changes: the resources a successful tool call
 * changed (a tool's `changes`) and lists that changed. Two audiences hear
 * them: 2026-07-28 `subscriptions/listen` streams through the SDK's event
 * bus (which filters per stream), and 2025-11-25 sessions subscribed with
 * `resources/subscribe`. One feed per host: on Node every session and stream
 * of the process hears every change; a Durable Object holds one session, so
 * on the edge a session hears the changes it made itself.
 */
export class ChangeFeed {
  readonly #bus: ServerEventBus;
  readonly #sessions = new Set<(uri: string) => void>();

  constructor(bus: ServerEventBus) {
    this.#bus = bus;
  }

  /** The bus feeding this host's `subscriptions/listen` streams. */
  get bus(): ServerEventBus {
    return this.#bus;
  }

  /** A session hears changed resources until `listener` returns false (the session is gone). */
  listen(listener: (uri: string) => boolean): void {
    const wrapped = (uri: string) => {
      if (!listener(uri)) this.#sessions.delete(wrapped);
    };
    this.#sessions.add(wrapped);
  }

  resourcesChanged(uris: readonly string[]): void {
    for (const uri of uris) {
      this.#bus.publish({ kind: "resource_updated", uri });
      for (const listener of [...this.#sessions]) listener(uri);
    }
  }

  listChanged(list: ChangedList): void {
    this.#bus.publish({ kind: `${list}_list_changed` });
  }
}
