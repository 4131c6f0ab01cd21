import type { ServerContext } from "@modelcontextprotocol/server";
import { LOG_LEVELS, type CallReporter } from "../tools/context.ts";

/**
 * Relays a handler's reports to the client as MCP notifications on the
 * request's own stream, by each revision's rules:
 *
 * - progress only when the request carried `_meta.progressToken`, and only
 *   growing values ("The progress value MUST increase with each
 *   notification", 2025-11-25 and 2026-07-28 progress);
 * - log messages through the SDK's request-scoped channel, which applies
 *   the session's `logging/setLevel` threshold in 2025-11-25 and, in
 *   2026-07-28 (logging deprecated, SEP-2577), sends nothing unless the
 *   request asked with `_meta["io.modelcontextprotocol/logLevel"]`;
 * - nothing at all once the request is cancelled ("MUST NOT send any
 *   further messages for it").
 */
export function mcpReporter(ctx: ServerContext): CallReporter {
  const token = ctx.mcpReq._meta?.progressToken;
  let last = Number.NEGATIVE_INFINITY;
  return {
    async progress(progress, total, message) {
      if (token === undefined || ctx.mcpReq.signal.aborted || !Number.isFinite(progress) || progress <= last) return;
      last = progress;
      const params = { progressToken: token, progress, ...(Number.isFinite(total) ? { total } : {}), ...(typeof message === "string" ? { message } : {}) };
      await ctx.mcpReq.notify({ method: "notifications/progress", params }).catch(() => undefined);
    },
    async log(level, data, logger) {
      if (ctx.mcpReq.signal.aborted || !LOG_LEVELS.includes(level)) return;
      await ctx.mcpReq.log(level, data, typeof logger === "string" ? logger : undefined).catch(() => undefined);
    },
  };
}
