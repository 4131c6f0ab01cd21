import type { z } from "zod";
import { SCOPE_TOKEN } from "../auth/settings.ts";

/** What a definition is, for its error messages. */
export type DefinitionKind = "tool" | "prompt" | "resource";

/**
 * The rules every definition of the registry follows, checked when it is
 * defined so a mistake fails at import, not at the first call: a snake_case
 * name of 1-64 characters, OAuth scope-tokens (RFC 6749 §3.3), and an
 * example that fits the input schema (smoke tests and `verify` call with it).
 */
export function checkDefinition(kind: DefinitionKind, name: string, scopes: readonly string[] | undefined, input?: z.ZodObject, example?: unknown): void {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) throw new Error(`${kind} name ${JSON.stringify(name)}: expected snake_case, 1-64 characters`);
  const badScope = scopes?.find((scope) => !SCOPE_TOKEN.test(scope));
  if (badScope !== undefined) throw new Error(`${kind} ${name}: scope ${JSON.stringify(badScope)} is not an OAuth scope-token (RFC 6749 §3.3)`);
  if (input === undefined) return;
  const parsed = input.safeParse(example);
  if (!parsed.success) throw new Error(`${kind} ${name}: its example does not match its input schema (${parsed.error.issues[0]?.message})`);
}
