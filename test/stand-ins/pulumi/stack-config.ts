/**
 * Stack config as the Pulumi CLI handles it: `Pulumi.<stack>.yaml` next to
 * `Pulumi.yaml`, `pulumi config set [--secret] [--path]` editing it in place
 * (comments kept), and every value handed to the program as text, `secure:`
 * values decrypted by the stack's secrets provider and marked secret.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml, parseDocument } from "yaml";
import { decrypt, encrypt, StandInError } from "./backend.ts";

export const PROJECT = "mcp-hosting";

/** A key as the CLI takes it: `domain` is `mcp-hosting:domain`; `aws:region` stays. */
export function fullKey(key: string): string {
  return key.includes(":") ? key : `${PROJECT}:${key}`;
}

export function stackFile(root: string, stack: string): string {
  return join(root, `Pulumi.${stack}.yaml`);
}

/** `pulumi config set`: with --path the key is a path into a structured value (`apiVersions.v1.live`). */
export function setConfig(root: string, stack: string, key: string, value: string, options: { secret: boolean; path: boolean }): void {
  const file = stackFile(root, stack);
  const document = parseDocument(readFileSync(file, "utf8"));
  const [head, ...rest] = options.path ? key.split(".") : [key];
  const path = ["config", fullKey(head!), ...rest.map((part) => (/^\d+$/.test(part) ? Number(part) : part))];
  const typed = options.secret ? { secure: encrypt(value) } : /^-?\d+$/.test(value) && options.path ? Number(value) : value === "true" || value === "false" ? value === "true" : value;
  document.setIn(path, document.createNode(typed));
  writeFileSync(file, document.toString({ lineWidth: 0, flowCollectionPadding: false }));
}

export interface ProgramConfig {
  /** Every config value as the program reads it (`pulumi.runtime.allConfig()`): text, objects as JSON. */
  values: Record<string, string>;
  /** The keys whose values are secrets. */
  secretKeys: string[];
}

/** The stack's config, decrypted: a `secure:` value this stack did not encrypt (a placeholder) stops here. */
export function programConfig(root: string, stack: string): ProgramConfig {
  const document = parseYaml(readFileSync(stackFile(root, stack), "utf8")) as { config?: Record<string, unknown> } | null;
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(document?.config ?? {})) {
    let secret = false;
    const open = (value: unknown, where: string): unknown => {
      if (typeof value === "object" && value !== null && "secure" in value && Object.keys(value).length === 1) {
        secret = true;
        return decrypt(String((value as { secure: unknown }).secure), where);
      }
      if (Array.isArray(value)) return value.map((item, i) => open(item, `${where}[${i}]`));
      if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, open(v, `${where}.${k}`)]));
      return value;
    };
    const opened = open(raw, `'${fullKey(key)}'`);
    values[fullKey(key)] = typeof opened === "string" ? opened : JSON.stringify(opened);
    if (secret) secretKeys.push(fullKey(key));
  }
  return { values, secretKeys };
}

export function requireStackFile(root: string, stack: string): void {
  try {
    readFileSync(stackFile(root, stack));
  } catch {
    throw new StandInError(`error: no Pulumi.${stack}.yaml in ${root}`);
  }
}
