/**
 * The boundary where stack config becomes a typed StackConfig: from Pulumi's
 * config inside a program (`loadStackConfig`), or straight from a
 * `Pulumi.<stack>.yaml` file for offline tools (`parseStackFile`). Either way a
 * bad config throws one StackConfigError listing every problem, before any
 * resource is registered.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { UPSTREAM_SECRET_PATH } from "./auth.ts";
import { providerSettingIssues } from "./aws.ts";
import { formatIssues, formatPath, StackConfigError } from "./config-error.ts";
import { stackNotFound } from "./stack-name.ts";
import { SECRET_KEYS, type SecretKey, type StackConfig, stackConfigSchema } from "./schema.ts";

export const PROJECT = "mcp-hosting";

/** What an offline tool sees in place of a secret it cannot decrypt. */
export const SECRET_PLACEHOLDER = "[secret]";

const isSecretKey = (key: string): key is SecretKey => (SECRET_KEYS as readonly string[]).includes(key);

/** Secrets nested inside a settings block (`pulumi config set --secret --path …`), each set by its full path. */
const NESTED_SECRET_PATHS: readonly (readonly string[])[] = [UPSTREAM_SECRET_PATH];

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length === b.length && a.every((part, i) => part === b[i]);

/** The object holding the leaf at `path` (`[key, …parents, leaf]`) inside `raw`, with the leaf's name. */
function holderOf(raw: Record<string, unknown>, path: readonly string[]): { holder: Record<string, unknown>; leaf: string } | undefined {
  let holder: unknown = raw;
  for (const part of path.slice(0, -1)) {
    holder = typeof holder === "object" && holder !== null && !Array.isArray(holder) ? (holder as Record<string, unknown>)[part] : undefined;
  }
  const leaf = path[path.length - 1]!;
  if (typeof holder !== "object" || holder === null || Array.isArray(holder) || !(leaf in holder)) return undefined;
  return { holder: holder as Record<string, unknown>, leaf };
}

/** Validates raw settings; `earlier` holds problems found before the schema ran. */
export function validateStack(raw: Record<string, unknown>, source: string, earlier: string[] = []): StackConfig {
  const result = stackConfigSchema.safeParse(raw, { reportInput: true });
  const issues = [...earlier, ...(result.success ? [] : formatIssues(result.error.issues))];
  if (issues.length > 0 || !result.success) throw new StackConfigError(source, issues);
  return result.data;
}

/**
 * Whether the engine marked a config key secret (PULUMI_CONFIG_SECRET_KEYS; a structured value is marked as a
 * whole when it holds any secure: value). The SDK's `runtime.isConfigSecret` does exactly this but is typed
 * internal; without it (another SDK), the value is taken as secret and the offline parse is what refuses plain text.
 */
function isSecretConfigKey(fullKey: string): boolean {
  const check = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  return check ? check(fullKey) : true;
}

/** Pulumi hands structured config over as JSON text and scalars as plain text. */
function decode(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads this project's config inside a Pulumi program (or under mocks). */
export function loadStackConfig(config: pulumi.Config, source = `stack ${pulumi.getStack()}`): StackConfig {
  const raw: Record<string, unknown> = {};
  const prefix = `${config.name}:`;
  for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (isSecretKey(key)) continue;
    const text = config.get(key);
    if (text !== undefined) raw[key] = decode(text);
  }
  for (const key of SECRET_KEYS) {
    const value = config.getSecret(key);
    if (value !== undefined) raw[key] = value;
  }
  // A block holding a secure: value is a secret key as a whole (the CLI marks the key, not the leaf): the leaf becomes
  // a secret Output; in a block that is not secret, the leaf was written in plain text and the schema refuses it.
  for (const path of NESTED_SECRET_PATHS) {
    const found = holderOf(raw, path);
    if (found && typeof found.holder[found.leaf] === "string" && isSecretConfigKey(`${prefix}${path[0]}`)) {
      found.holder[found.leaf] = pulumi.secret(found.holder[found.leaf] as string);
    }
  }
  return validateStack(raw, source, providerSettingIssues(pulumi.runtime.allConfig()));
}

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && "secure" in value && Object.keys(value).length === 1;
}

/** Finds `secure:` values where plain settings belong. */
function findSecureValues(value: unknown, path: PropertyKey[], found: PropertyKey[][]): void {
  if (isSecure(value)) found.push(path);
  else if (Array.isArray(value)) value.forEach((item, i) => findSecureValues(item, [...path, i], found));
  else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) findSecureValues(item, [...path, key], found);
  }
}

export interface StackFile {
  /** The stack name, from `Pulumi.<stack>.yaml`. */
  stack: string;
  config: StackConfig;
}

/** The stack a file name like `Pulumi.<stack>.yaml` belongs to, if it is one. */
export function stackOfFileName(path: string): string | undefined {
  return /^Pulumi\.(.+)\.ya?ml$/.exec(basename(path))?.[1];
}

/**
 * Reads and validates a `Pulumi.<stack>.yaml` without the Pulumi CLI. `secure:`
 * values are opaque: each secret becomes a secret Output holding
 * SECRET_PLACEHOLDER. Keys of other namespaces (`aws:`, `cloudflare:`) are
 * left to their providers.
 */
export function parseStackFile(path: string): StackFile {
  const name = basename(path);
  const stack = stackOfFileName(path);
  if (!stack) throw new StackConfigError(path, [`(file name): expected Pulumi.<stack>.yaml, got ${name}`]);

  return parseStackText(readStackFileText(path, stack), { stack, source: path });
}

/** The text of a stack file; a missing one is a StackNotFoundError that lists the stacks there. */
export function readStackFileText(path: string, stack: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw stackNotFound(stack, path);
    throw new StackConfigError(path, [`(file): cannot read ${path} (${(error as Error).message})`]);
  }
}

export interface StackText {
  /** The stack the text is the config of. @example "prod" */
  stack: string;
  /** Where the text came from, named in errors. @example "origin/main:Pulumi.prod.yaml" */
  source: string;
}

/** Validates the text of a stack file (from disk, a git blob, …), as parseStackFile does. */
export function parseStackText(text: string, { stack, source }: StackText): StackFile {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new StackConfigError(source, [`(yaml): ${(error as Error).message.split("\n")[0]}`]);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new StackConfigError(source, ["config: expected a map of settings"]);
  }

  const raw: Record<string, unknown> = {};
  const earlier: string[] = providerSettingIssues(config as Record<string, unknown>);
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!isSecretKey(key)) {
      const found: PropertyKey[][] = [];
      findSecureValues(value, [key], found);
      const misplaced = found.filter((at) => !NESTED_SECRET_PATHS.some((path) => samePath(path, at)));
      for (const at of misplaced) earlier.push(`${formatPath(at)}: is a secure value (expected plain config; secrets are ${[...SECRET_KEYS, ...NESTED_SECRET_PATHS.map((path) => path.join("."))].join(", ")})`);
      raw[key] = structuredClone(value);
      // A nested secret is opaque here as the top-level ones are; written in plain text, it stays text and the schema refuses it.
      for (const path of NESTED_SECRET_PATHS) {
        const holder = path[0] === key ? holderOf(raw, path) : undefined;
        if (holder && isSecure(holder.holder[holder.leaf])) holder.holder[holder.leaf] = pulumi.secret(SECRET_PLACEHOLDER);
      }
    } else if (value !== null && value !== undefined) {
      if (!isSecure(value)) {
        earlier.push(`${key}: is stored in plain text (expected a secure: value; run pulumi config set --secret ${key} <value>)`);
      }
      raw[key] = pulumi.secret(SECRET_PLACEHOLDER);
    }
  }
  return { stack, config: validateStack(raw, source, earlier) };
}

export { StackConfigError };
