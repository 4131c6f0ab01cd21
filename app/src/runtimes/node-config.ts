import { resolve } from "node:path";
import { z } from "zod";

/** Environment of the Node runtime; every variable is optional locally. */
const NodeEnv = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Where the SQLite database lives. */
  MCP_DATA_DIR: z.string().default(".data"),
  /** API versions served at `/<version>/mcp`. */
  MCP_API_VERSIONS: z
    .string()
    .default("v1")
    .transform((value) => value.split(",").map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^v\d+$/, "expected v1, v2, …")).min(1)),
  /** Comma-separated browser origins, or `localhost` for any local port. */
  MCP_ALLOWED_ORIGINS: z
    .string()
    .default("localhost")
    .transform((value) => (value === "localhost" ? ("localhost" as const) : value.split(",").map((part) => part.trim()).filter(Boolean))),
  /** `token` or `subject=token`, comma-separated; unset means no auth. */
  MCP_AUTH_TOKEN: z.string().optional(),
  MCP_DEFAULT_PRINCIPAL: z.string().min(1).default("local"),
  MCP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  MCP_SESSION_IDLE_HOURS: z.coerce.number().positive().default(24),
  /** A client must finish sending its request headers within this time (408 otherwise). */
  MCP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** A client must finish sending its whole request, body included, within this time (408 otherwise). */
  MCP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** HMAC key shared with the Modal app and the edge; generated for the local compute runner when unset. */
  MCP_UPSTREAM_SECRET: z.string().min(16).optional(),
  /** The Modal web endpoint; unset locally, where the compute runner is started instead. */
  MODAL_URL: z.url().optional(),
  /** Set to `0` to serve without starting the local Python compute runner. */
  MCP_START_COMPUTE: z.enum(["0", "1"]).default("1"),
});

export type NodeConfig = ReturnType<typeof loadNodeConfig>;

/** Parses the environment once; a bad value names the variable and what was expected. */
export function loadNodeConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = NodeEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid environment:\n${lines.join("\n")}`);
  }
  const value = parsed.data;
  return { ...value, databasePath: resolve(value.MCP_DATA_DIR, "mcp.sqlite") };
}
