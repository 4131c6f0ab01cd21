/**
 * The built-in authorization server as the Worker runs it (auth/builtin/):
 * built once per isolate and set of bindings, in the Worker and in the
 * principal objects alike. Registrations are counted, and refresh tokens
 * rotated, in PrincipalState objects: one per address for `/register`, the
 * user's own for rotation (refresh-serializer.ts).
 */
import { BuiltinAuthorizationServer } from "../../auth/builtin/authorization-server.ts";
import { ToolScopes } from "../../auth/tool-scopes.ts";
import type { Catalog } from "../../tools/index.ts";
import { workerSettings, type Env } from "./env.ts";
import { principalObject } from "./principal-state.ts";

/** Client registrations one address may make per minute: a client registers once per install, so this is generous. */
const REGISTRATIONS_PER_MINUTE = 10;

const built = new WeakMap<Env, BuiltinAuthorizationServer>();

/** The built-in server of these bindings, or `undefined` when the mode is not `builtin`. */
export function builtinAuthFor(env: Env, catalog: Catalog): BuiltinAuthorizationServer | undefined {
  const settings = workerSettings(env);
  if (settings.builtin === undefined || settings.oauth === undefined) return undefined;
  let server = built.get(env);
  if (server !== undefined) return server;
  const { issuer } = settings.oauth;
  server = new BuiltinAuthorizationServer({
    issuer,
    resources: settings.API_VERSIONS.map((version) => new URL(`/${version}/mcp`, issuer).href),
    upstream: settings.builtin,
    scopes: new ToolScopes(catalog.tools, settings.oauth),
    baseScopes: settings.oauth.scopes,
    registrationsPerMinute: REGISTRATIONS_PER_MINUTE,
    takeRegistration: (address) => principalObject(env.PRINCIPAL_STATE, `register:${address}`).takeToolCall(REGISTRATIONS_PER_MINUTE),
    serializeRefresh: (user, request) => principalObject(env.PRINCIPAL_STATE, `principal:${decodeURIComponent(user)}`).rotateRefreshToken(request),
    log: (line) => console.error(line),
  });
  built.set(env, server);
  return server;
}

/** The env as the library reads it: the KV namespace is there once the settings are (env.ts checks it). */
export function oauthEnv(env: Env): { OAUTH_KV: KVNamespace } {
  return { OAUTH_KV: env.OAUTH_KV! };
}
