/**
 * The stand-in pulumi's backend: a folder (`REHEARSAL_PULUMI_HOME`) that plays
 * Pulumi Cloud for one organization: which access tokens exist and what each
 * may do, the stacks and their last state, and the stack's secrets provider
 * (a key that encrypts `secure:` config values and the secrets in state, as
 * the passphrase or service provider would).
 *
 * Token rules follow Pulumi Cloud's: a token with Stack Read may preview and
 * read outputs ("Stack Read: basic read-only access to stacks. Allows for
 * running previews": pulumi.com/docs/administration/access-identity/rbac/permission-sets/);
 * an update needs write.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The engine's wire marks of a secret value (`{ [SIG]: SECRET, value }`), as
 * @pulumi/pulumi's runtime spells them (specialSigKey, specialSecretSig); kept
 * here so the backend's small commands do not load the SDK.
 */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

function isSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG] === SECRET;
}

export interface Tokens {
  /** Tokens that may update stacks. */
  write: string[];
  /** Tokens with Stack Read only. */
  read: string[];
}

export interface ResourceState {
  type: string;
  name: string;
  custom: boolean;
  id: string;
  /** Inputs as the provider last accepted them (secrets marked). */
  inputs: Record<string, unknown>;
  /** Outputs as the provider last returned them (secrets marked). */
  outputs: Record<string, unknown>;
}

export interface StackState {
  /** Resources by `type::name`, in the order they were created. */
  resources: Record<string, ResourceState>;
  outputs: Record<string, unknown>;
  updates: number;
}

export class StandInError extends Error {}

export function home(): string {
  const dir = process.env["REHEARSAL_PULUMI_HOME"];
  if (!dir) throw new StandInError("REHEARSAL_PULUMI_HOME is not set: the stand-in pulumi keeps its backend there (test/stand-ins/pulumi)");
  mkdirSync(join(dir, "stacks"), { recursive: true });
  return dir;
}

export function tokens(): Tokens {
  const path = join(home(), "tokens.json");
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Tokens) : { write: [], read: [] };
}

/** What the caller's PULUMI_ACCESS_TOKEN may do; a missing or unknown one is a login error. */
export function access(): "write" | "read" {
  const token = (process.env["PULUMI_ACCESS_TOKEN"] ?? "").trim();
  if (token === "") throw new StandInError("error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
  const known = tokens();
  if (known.write.includes(token)) return "write";
  if (known.read.includes(token)) return "read";
  throw new StandInError("error: problem logging in: [401] Unauthorized: No credentials provided or are invalid.");
}

export function requireWrite(stack: string): void {
  if (access() !== "write") throw new StandInError(`error: [403] Forbidden: the access token may read stack ${stack} (Stack Read) but not update it`);
}

const statePath = (stack: string) => join(home(), "stacks", `${stack}.json`);

export function stackExists(stack: string): boolean {
  return existsSync(statePath(stack));
}

export function initStack(stack: string): void {
  if (stackExists(stack)) throw new StandInError(`error: stack '${stack}' already exists`);
  writeState(stack, { resources: {}, outputs: {}, updates: 0 });
}

export function readState(stack: string): StackState {
  if (!stackExists(stack)) throw new StandInError(`error: no stack named '${stack}' found (create it with pulumi stack init ${stack})`);
  return revive(JSON.parse(readFileSync(statePath(stack), "utf8"))) as StackState;
}

export function writeState(stack: string, state: StackState): void {
  writeFileSync(statePath(stack), `${JSON.stringify(seal(state), null, 2)}\n`);
}

// The secrets provider: AES-256-GCM under a key of the backend, `v1:<iv>:<ciphertext+tag>` like the passphrase provider's text.
function key(): Buffer {
  const path = join(home(), "secrets.key");
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString("base64"));
  return Buffer.from(readFileSync(path, "utf8"), "base64");
}

export function encrypt(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `v1:${iv.toString("base64")}:${body.toString("base64")}`;
}

export function decrypt(ciphertext: string, what: string): string {
  const [version, iv, body] = ciphertext.split(":");
  try {
    if (version !== "v1" || !iv || !body) throw new Error("not a v1 ciphertext");
    const bytes = Buffer.from(body, "base64");
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64"));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    throw new StandInError(`error: could not decrypt configuration value ${what}: it was not encrypted by this stack's secrets provider (set it with pulumi config set --secret)`);
  }
}

const SECRET_MARK = "__rehearsalSecret";

/** State as written: every secret value encrypted. */
function seal(value: unknown): unknown {
  if (isSecret(value)) return { [SECRET_MARK]: encrypt(JSON.stringify(value.value ?? null)) };
  if (Array.isArray(value)) return value.map(seal);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, seal(v)]));
  return value;
}

/** State as read: secrets decrypted and marked again. */
function revive(value: unknown): unknown {
  if (typeof value === "object" && value !== null && SECRET_MARK in value) {
    return secretValue(JSON.parse(decrypt(String((value as Record<string, unknown>)[SECRET_MARK]), "in state")));
  }
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  return value;
}

export function secretValue(value: unknown): Record<string, unknown> {
  return { [SIG]: SECRET, value };
}

/** `pulumi stack output [name]`: the outputs of the stack's last update. */
export function output(stack: string, name: string | undefined): unknown {
  const { outputs } = readState(stack);
  if (name === undefined) return outputs;
  if (!(name in outputs)) throw new StandInError(`error: current stack does not have output property '${name}'`);
  return outputs[name];
}
