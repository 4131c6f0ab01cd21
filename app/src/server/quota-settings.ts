/**
 * The quotas block: how many tool calls each key (a verified principal, or
 * the tenant its token names) may make per minute and per day, with
 * per-tool limits below those. One zod schema for the stack's `quotas` block
 * (stacks/schema.ts) and for `MCP_QUOTAS` (Node environment and Worker
 * bindings alike), so all three refuse the same mistakes with the same words.
 *
 *   quotas:
 *     callsPerMinute: 120
 *     callsPerDay: 5000
 *     tenantClaim: org_id
 *     tools:
 *       csv_cluster: { callsPerMinute: 5, callsPerDay: 200 }
 */
import { z } from "zod";

const show = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : String(value));

function count(min: number, max: number) {
  return z
    .number({ error: (iss) => (iss.input === undefined ? undefined : `${show(iss.input)} is not a number (expected ${min}..${max})`) })
    .int({ error: (iss) => `${show(iss.input)} is not a whole number (expected ${min}..${max})` })
    .min(min, { error: (iss) => `${show(iss.input)} is below ${min} (expected ${min}..${max})` })
    .max(max, { error: (iss) => `${show(iss.input)} is above ${max} (expected ${min}..${max})` });
}

const perMinute = count(1, 100_000);
const perDay = count(1, 100_000_000);

/** A token claim's name: `org_id`, `tid`, or a namespaced one such as `https://acme.com/org`. */
const claimName = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, { error: (iss) => `${show(iss.input)} is not a claim name (expected e.g. org_id)` });
const toolName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/);

const LIMITS = ["callsPerMinute", "callsPerDay"] as const;

export const quotaBlockSchema = z
  .strictObject(
    {
      /** Tool calls one key may make per minute, all tools together. */
      callsPerMinute: perMinute,
      /** Tool calls one key may make per UTC day, all tools together. */
      callsPerDay: perDay,
      /** A claim of the access token whose value is the key: the subjects of one tenant share their quota. */
      tenantClaim: claimName.optional(),
      /** Per tool, lower limits of its own (a GPU tool gets fewer calls than echo). */
      tools: z
        .record(
          toolName,
          z.strictObject({ callsPerMinute: perMinute.optional(), callsPerDay: perDay.optional() }, { error: (iss) => (iss.code === "unrecognized_keys" ? "expected one of callsPerMinute, callsPerDay" : undefined) }),
          { error: (iss) => (iss.code === "invalid_key" ? `${show(iss.input)} is not a tool name (expected snake_case, e.g. csv_cluster)` : undefined) },
        )
        .default({}),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? "expected one of callsPerMinute, callsPerDay, tenantClaim, tools" : undefined) },
  )
  .superRefine((block, ctx) => {
    for (const [tool, limits] of Object.entries(block.tools)) {
      if (limits.callsPerMinute === undefined && limits.callsPerDay === undefined) {
        ctx.addIssue({ code: "custom", path: ["tools", tool], message: "sets no limit (expected callsPerMinute, callsPerDay or both)" });
      }
      // A tool's limit above its key's would never be reached: the key's runs out first.
      for (const limit of LIMITS) {
        const value = limits[limit];
        if (value !== undefined && value > block[limit]) {
          ctx.addIssue({ code: "custom", path: ["tools", tool, limit], message: `${value} is above ${limit} ${block[limit]}, the limit of all tools together (expected at most ${block[limit]})` });
        }
      }
    }
  });

export type QuotaSettings = z.output<typeof quotaBlockSchema>;

/** `MCP_QUOTAS`: the block as JSON; unset means no quotas. */
export const quotasEnvValue = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: 'is not JSON (expected e.g. {"callsPerMinute":60,"callsPerDay":1000})' });
      return z.NEVER;
    }
  })
  .pipe(quotaBlockSchema);

/**
 * Lines naming the `tools` entries for which `among` (the pinned releases and
 * the working tree; this server) has no tool: a misspelt name would leave its
 * tool without its limits. `where` is the block's own path: `quotas` in a
 * stack, `MCP_QUOTAS` in a runtime.
 */
export function unknownQuotaTools(quotas: QuotaSettings, where: string, among: string, toolNames: readonly string[]): string[] {
  return Object.keys(quotas.tools)
    .filter((name) => !toolNames.includes(name))
    .map((name) => `${where}.tools.${name}: no tool named ${name} in ${among} (expected one of ${toolNames.join(", ")})`);
}

/** Why a runtime's `MCP_QUOTAS` cannot work beside its other settings, or `undefined`. */
export function quotaSettingsProblem(quotas: QuotaSettings | undefined, oauthIssuer: string | undefined): string | undefined {
  if (quotas?.tenantClaim === undefined || oauthIssuer !== undefined) return undefined;
  return "MCP_QUOTAS.tenantClaim: has no effect without MCP_OAUTH_ISSUER (expected both: only an issuer's access tokens carry claims)";
}
