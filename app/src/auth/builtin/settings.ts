/**
 * The built-in authorization server's bindings (contract.ts): which provider
 * signs users in upstream, with which client, and that client's secret. The
 * same zod rules as the stack's `auth.upstream` block, so the Worker refuses a
 * binding the stack would have refused, with the same words.
 */
import * as z from "zod";
import { AuthSettingsError, LOOPBACK_HOSTS } from "../settings.ts";
import { BUILTIN_BINDINGS, UPSTREAM_PROVIDERS, type UpstreamProvider } from "./contract.ts";

export interface UpstreamSettings {
  provider: UpstreamProvider;
  clientId: string;
  clientSecret: string;
  /** The OpenID Connect issuer (`oidc`); Google's is fixed. */
  issuer?: string;
}

/** An OIDC issuer: https, or http on this machine only (the development upstream). */
const issuerUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return !url.search && !url.hash && (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.includes(url.hostname)));
    } catch {
      return false;
    }
  },
  { error: (iss) => `${JSON.stringify(iss.input)} is not an issuer URL (expected https://…, no query or fragment)` },
);

export const upstreamShape = z
  .strictObject({
    provider: z.enum(UPSTREAM_PROVIDERS, { error: (iss) => `${JSON.stringify(iss.input)} is not a sign-in provider (expected one of ${UPSTREAM_PROVIDERS.join(", ")})` }),
    clientId: z.string().min(1, { error: "is empty (expected the client ID of the OAuth app registered with the provider)" }),
    issuer: issuerUrl.optional(),
  })
  .superRefine((upstream, ctx) => {
    if (upstream.provider === "oidc" && upstream.issuer === undefined) ctx.addIssue({ code: "custom", path: ["issuer"], message: "is required for provider oidc (expected the provider's issuer URL)" });
    if (upstream.provider !== "oidc" && upstream.issuer !== undefined) ctx.addIssue({ code: "custom", path: ["issuer"], message: `is only for provider oidc (${upstream.provider}'s endpoints are fixed)` });
  });

/** The bindings, as the Worker's env holds them. */
export type BuiltinBindings = Partial<Record<(typeof BUILTIN_BINDINGS)[keyof typeof BUILTIN_BINDINGS], string>>;

/** The upstream settings when the mode is `builtin`, `undefined` otherwise; a binding that cannot work throws, naming itself. */
export function builtinAuthOf(env: BuiltinBindings): UpstreamSettings | undefined {
  const mode = env[BUILTIN_BINDINGS.mode];
  if (mode === undefined || mode === "issuer") return undefined;
  if (mode !== "builtin") throw new AuthSettingsError(`${BUILTIN_BINDINGS.mode}: ${JSON.stringify(mode)} is not an auth mode (expected builtin or issuer)`);
  let json: unknown;
  try {
    json = JSON.parse(env[BUILTIN_BINDINGS.upstream] ?? "");
  } catch {
    throw new AuthSettingsError(`${BUILTIN_BINDINGS.upstream}: is not JSON (expected {"provider":"github","clientId":"…"})`);
  }
  const parsed = upstreamShape.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AuthSettingsError(`${BUILTIN_BINDINGS.upstream}${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`);
  }
  const clientSecret = env[BUILTIN_BINDINGS.upstreamSecret];
  if (!clientSecret) throw new AuthSettingsError(`${BUILTIN_BINDINGS.upstreamSecret}: is not set (expected the secret of the provider's OAuth app)`);
  return { ...parsed.data, clientSecret };
}
