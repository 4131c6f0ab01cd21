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
import { providerSettingIssues } from "./aws.ts";
import { formatIssues, formatPath, StackConfigError } from "./config-error.ts";
import { stackNotFound } from "./stack-name.ts";
import { SECRET_KEYS, type SecretKey, type StackConfig, stackConfigSchema } from "./schema.ts";

export const PROJECT = "mcp-hosting";

/** What an offline tool sees in place of a secret it cannot decrypt. */
export const SECRET_PLACEHOLDER = "[secret]";

const isSecretKey = (key: string): key is SecretKey => (SECRET_KEYS as readonly string[]).includes(key);

/** Validates raw settings; `earlier` holds problems found before the schema ran. */
export function validateStack(raw: Record<string, unknown>, source: string, earlier: string[] = []): StackConfig {
  const result = stackConfigSchema.safeParse(raw, { reportInput: true });
  const issues = [...earlier, ...(result.success ? [] : formatIssues(result.error.issues))];
  if (issues.length > 0 || !result.success) throw new StackConfigError(source, issues);
  return result.data;
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
      for (const at of found) earlier.push(`${formatPath(at)}: is a secure value (expected plain config; secrets are ${SECRET_KEYS.join(", ")})`);
      raw[key] = value;
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
