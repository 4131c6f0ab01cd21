import type { HandlerContext } from "./context.ts";

/** What a completer learns besides the usual call context. */
export interface CompletionContext<S> extends HandlerContext<S> {
  /**
   * The values the client already chose for the other arguments (prompt
   * arguments, or template variables), as it sent them in
   * `params.context.arguments`; empty when it sent none.
   */
  arguments: Record<string, string>;
}

/**
 * Suggests values for one prompt argument or template variable from what the
 * user typed so far, best first. MCP returns at most 100 of them
 * (`completion/complete`); the runtime cuts the list and reports the total.
 */
export type Completer<S> = (value: string, ctx: CompletionContext<S>) => Promise<readonly string[]>;

/** Most values one completion answer carries (MCP: "maximum 100 items"). */
export const MAX_COMPLETIONS = 100;
