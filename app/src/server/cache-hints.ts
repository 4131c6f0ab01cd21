import type { McpServerOptions } from "@modelcontextprotocol/server";

/**
 * What 2026-07-28 results may be reused for (SEP-2549, `CacheableResult`:
 * `ttlMs` a freshness hint, `cacheScope` whether shared caches may keep the
 * answer). A resource may state its own for `resources/read`
 * (`defineResource({ cacheHint })`); 2025-11-25 results carry none.
 *
 * - The lists of tools, prompts and templates change only with a release and
 *   do not depend on who asks (every caller sees every tool, see
 *   tool-scopes.ts), so any cache may keep them a few minutes; a release
 *   that changes them is a new deployment, and clients re-list on
 *   `list_changed`.
 * - `resources/list` names knowledge-base documents, which any write
 *   changes: reused briefly, by the client only.
 * - `resources/read` defaults to no reuse.
 */
export const CACHE_HINTS: NonNullable<McpServerOptions["cacheHints"]> = {
  "server/discover": { ttlMs: 300_000, cacheScope: "public" },
  "tools/list": { ttlMs: 300_000, cacheScope: "public" },
  "prompts/list": { ttlMs: 300_000, cacheScope: "public" },
  "resources/templates/list": { ttlMs: 300_000, cacheScope: "public" },
  "resources/list": { ttlMs: 5_000, cacheScope: "private" },
  "resources/read": { ttlMs: 0, cacheScope: "private" },
};
