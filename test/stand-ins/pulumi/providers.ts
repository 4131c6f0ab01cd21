/**
 * What the stand-in pulumi does with each registered resource, by type: the
 * provider's side of `pulumi up`, against the fake accounts of the rehearsal.
 *
 * - Our own dynamic providers (Fly, ScriptMigrations) run for real: the
 *   provider text the program serialized is loaded the way Pulumi's dynamic
 *   provider host loads it (@pulumi/pulumi/cmd/dynamic-provider: require-from-string,
 *   `handler()`, `configure` with the stack config), then check, diff, create,
 *   update and delete, against the fakes' HTTP APIs.
 * - `command:local:Command` runs its commands as pulumi-command does
 *   (provider/pkg/provider/local: `/bin/sh -c`, `dir` against the provider's
 *   working directory, the environment over the process's, `update` or else
 *   `create` on an update, `delete` on a delete; a replacement creates the new
 *   one first).
 * - Cloudflare's resources go to the fake Cloudflare API through the
 *   rehearsal's internet, with the calls the provider makes (Workers,
 *   versions, deployments, routes, custom domains), so its rules apply.
 * - The backup bucket is created in the S3 endpoint; its settings and the IAM
 *   user are recorded in state only (the fake S3 does not model them).
 *
 * Which inputs replace and which update comes from infra/plan/replace-rules.ts,
 * the same table the offline plan uses.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as pulumi from "@pulumi/pulumi";
import { UNKNOWN } from "../../../infra/plan/diff.ts";
import { isSecretValue } from "../../../infra/plan/evaluate.ts";
import { REPLACE_RULES } from "../../../infra/plan/replace-rules.ts";
import { secretValue, StandInError } from "./backend.ts";

const pulumiRequire = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));

/**
 * A value as a provider receives it over the wire: secrets unwrapped, and a
 * value not known yet (a preview) as the engine's unknown sentinel, which is
 * what the mocks' `Unknown` objects stand for.
 */
export function reveal(value: unknown): unknown {
  if (pulumi.isUnknown(value)) return UNKNOWN;
  if (isSecretValue(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}

export interface Applied {
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export type Change = "create" | "update" | "replace" | "same" | "delete";

export interface ProviderContext {
  /** The stack config, decrypted, as the engine hands it to providers. */
  config: Record<string, string>;
  project: string;
  /** A line of the update's log. */
  log(line: string): void;
}

// ---- dynamic providers -------------------------------------------------------------------------

const loaded = new Map<string, pulumi.dynamic.ResourceProvider>();

/** The provider a dynamic resource serialized, loaded and configured once per text, as the host does. */
async function dynamicProvider(inputs: Record<string, unknown>, ctx: ProviderContext): Promise<pulumi.dynamic.ResourceProvider> {
  const text = String(reveal(inputs["__provider"]) ?? "");
  let provider = loaded.get(text);
  if (!provider) {
    const requireFromString = pulumiRequire("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };
    provider = requireFromString(text).handler();
    const { Config } = pulumiRequire("./cmd/dynamic-provider/config") as { Config: new (raw: Record<string, string>, project: string) => pulumi.dynamic.Config };
    await provider.configure?.({ config: new Config(ctx.config, ctx.project) });
    loaded.set(text, provider);
  }
  return provider;
}

/** A provider error with `id` and `properties` made the resource but could not finish it: Pulumi keeps it in state. */
export class PartialCreate extends Error {
  readonly applied: Applied;
  constructor(message: string, applied: Applied) {
    super(message);
    this.applied = applied;
  }
}

function partial(error: unknown, inputs: Record<string, unknown>): never {
  const failed = error as { id?: string; properties?: Record<string, unknown>; message?: string };
  if (failed && typeof failed.id === "string" && failed.properties) {
    throw new PartialCreate(failed.message ?? String(error), { id: failed.id, inputs, outputs: { ...failed.properties, __provider: inputs["__provider"] } });
  }
  throw error;
}

async function dynamicApply(prev: Applied | undefined, news: Record<string, unknown>, ctx: ProviderContext, preview: boolean): Promise<{ change: Change; applied: Applied }> {
  const provider = await dynamicProvider(news, ctx);
  const plainNews = reveal(news) as Record<string, unknown>;
  const checked = await provider.check!(prev ? (reveal(prev.inputs) as Record<string, unknown>) : {}, plainNews);
  if (checked.failures && checked.failures.length > 0) {
    throw new StandInError(checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  }
  const inputs = { ...(checked.inputs as Record<string, unknown>), __provider: news["__provider"] };
  if (!prev) {
    if (preview) return { change: "create", applied: { id: "", inputs, outputs: inputs } };
    const { id, outs } = await provider.create(inputs).catch((error: unknown) => partial(error, inputs));
    return { change: "create", applied: { id, inputs, outputs: { ...outs, __provider: news["__provider"] } } };
  }
  const oldOutputs = reveal(prev.outputs) as Record<string, unknown>;
  const diff = await provider.diff!(prev.id, oldOutputs, inputs);
  if (diff.changes === false) return { change: "same", applied: prev };
  const replaces = diff.replaces ?? [];
  if (preview) return { change: replaces.length > 0 ? "replace" : "update", applied: { ...prev, inputs } };
  if (replaces.length > 0) {
    if (diff.deleteBeforeReplace) await provider.delete!(prev.id, oldOutputs);
    const { id, outs } = await provider.create(inputs).catch((error: unknown) => partial(error, inputs));
    if (!diff.deleteBeforeReplace) await provider.delete!(prev.id, oldOutputs);
    return { change: "replace", applied: { id, inputs, outputs: { ...outs, __provider: news["__provider"] } } };
  }
  const { outs } = await provider.update!(prev.id, oldOutputs, inputs).catch((error: unknown) => partial(error, inputs));
  return { change: "update", applied: { id: prev.id, inputs, outputs: { ...outs, __provider: news["__provider"] } } };
}

async function dynamicDelete(prev: Applied, ctx: ProviderContext): Promise<void> {
  const provider = await dynamicProvider(prev.inputs, ctx);
  await provider.delete?.(prev.id, reveal(prev.outputs) as Record<string, unknown>);
}

// ---- command:local:Command ----------------------------------------------------------------------

async function shell(command: string, inputs: Record<string, unknown>, extra: Record<string, string>, ctx: ProviderContext): Promise<{ stdout: string; stderr: string }> {
  const environment = (reveal(inputs["environment"]) ?? {}) as Record<string, string>;
  const dir = typeof inputs["dir"] === "string" ? (inputs["dir"] as string) : process.cwd();
  return await new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], { cwd: dir, env: { ...process.env, ...environment, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      for (const line of `${stdout}${stderr}`.trimEnd().split("\n").filter(Boolean)) ctx.log(`      ${line}`);
      if (code === 0) resolve({ stdout: stdout.trimEnd(), stderr: stderr.trimEnd() });
      // pulumi-command's text for a failed command.
      else reject(new StandInError(`exit status ${code}: running ${JSON.stringify(command.length > 200 ? `${command.slice(0, 200)}…` : command)}:\nStdout:\n${stdout}\nStderr:\n${stderr}`));
    });
  });
}

async function commandApply(prev: Applied | undefined, news: Record<string, unknown>, ctx: ProviderContext, preview: boolean): Promise<{ change: Change; applied: Applied }> {
  const change = classify("command:local:Command", prev, news);
  if (change === "same") return { change, applied: prev! };
  if (preview) return { change, applied: { id: prev?.id ?? "", inputs: news, outputs: news } };
  const run = async (previous?: Applied) => {
    const command = String(previous ? (news["update"] ?? news["create"]) : news["create"]);
    // addPreviousOutputInEnv (default true): an update sees the last run's output.
    const extra: Record<string, string> = previous ? { PULUMI_COMMAND_STDOUT: String(previous.outputs["stdout"] ?? ""), PULUMI_COMMAND_STDERR: String(previous.outputs["stderr"] ?? "") } : {};
    const { stdout, stderr } = await shell(command, news, extra, ctx);
    return { id: previous?.id ?? `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`, inputs: news, outputs: { ...news, stdout, stderr } };
  };
  if (change === "create") return { change, applied: await run() };
  if (change === "update") return { change, applied: await run(prev) };
  const created = await run();
  await commandDelete(prev!, ctx);
  return { change, applied: created };
}

async function commandDelete(prev: Applied, ctx: ProviderContext): Promise<void> {
  if (typeof prev.inputs["delete"] === "string") await shell(String(prev.inputs["delete"]), prev.inputs, { PULUMI_COMMAND_STDOUT: String(prev.outputs["stdout"] ?? "") }, ctx);
}

// ---- Cloudflare ---------------------------------------------------------------------------------

const CLOUDFLARE = "https://api.cloudflare.com/client/v4";

async function cloudflare(method: string, path: string, body: unknown, ctx: ProviderContext): Promise<Record<string, unknown>> {
  // The provider's own rule: the stack's cloudflare:apiToken, else CLOUDFLARE_API_TOKEN.
  const token = ctx.config["cloudflare:apiToken"] ?? process.env["CLOUDFLARE_API_TOKEN"];
  if (!token) throw new StandInError("error: the Cloudflare provider has no API token (expected cloudflare:apiToken in config or CLOUDFLARE_API_TOKEN)");
  const response = await fetch(`${CLOUDFLARE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json().catch(() => ({}))) as { success?: boolean; result?: Record<string, unknown>; errors?: { code?: number; message?: string }[] };
  if (!response.ok || answer.success === false) {
    const text = (answer.errors ?? []).map((e) => `${e.message} (${e.code})`).join("; ");
    throw new StandInError(`${method} ${CLOUDFLARE}${path}: ${response.status} ${text}`);
  }
  return answer.result ?? {};
}

const snake = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(snake)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(item)]))
      : value;

/** The API call that makes (or changes) each Cloudflare resource; returns its id. */
async function cloudflareWrite(type: string, inputs: Record<string, unknown>, prev: Applied | undefined, ctx: ProviderContext): Promise<string> {
  const account = encodeURIComponent(String(inputs["accountId"] ?? ""));
  switch (type) {
    case "cloudflare:index/worker:Worker": {
      const body = { name: inputs["name"], observability: snake(inputs["observability"]), subdomain: snake(inputs["subdomain"]) };
      if (prev) return String((await cloudflare("PUT", `/accounts/${account}/workers/workers/${prev.id}`, body, ctx))["id"] ?? prev.id);
      return String((await cloudflare("POST", `/accounts/${account}/workers/workers`, body, ctx))["id"]);
    }
    case "cloudflare:index/workerVersion:WorkerVersion": {
      const annotations = (inputs["annotations"] ?? {}) as { workersTag?: string; workersMessage?: string };
      const body = {
        main_module: inputs["mainModule"],
        modules: snake(inputs["modules"]),
        compatibility_date: inputs["compatibilityDate"],
        compatibility_flags: inputs["compatibilityFlags"],
        bindings: snake(inputs["bindings"]),
        ...(inputs["migrations"] ? { migrations: snake(inputs["migrations"]) } : {}),
        annotations: { "workers/tag": annotations.workersTag, "workers/message": annotations.workersMessage },
      };
      return String((await cloudflare("POST", `/accounts/${account}/workers/workers/${inputs["workerId"]}/versions`, body, ctx))["id"]);
    }
    case "cloudflare:index/workersDeployment:WorkersDeployment": {
      const body = { strategy: inputs["strategy"], versions: snake(inputs["versions"]), annotations: { "workers/message": (inputs["annotations"] as { workersMessage?: string } | undefined)?.workersMessage } };
      return String((await cloudflare("POST", `/accounts/${account}/workers/scripts/${inputs["scriptName"]}/deployments`, body, ctx))["id"]);
    }
    case "cloudflare:index/workersRoute:WorkersRoute": {
      const body = { pattern: inputs["pattern"], script: inputs["script"] };
      const zone = encodeURIComponent(String(inputs["zoneId"]));
      if (prev) return String((await cloudflare("PUT", `/zones/${zone}/workers/routes/${prev.id}`, body, ctx))["id"] ?? prev.id);
      return String((await cloudflare("POST", `/zones/${zone}/workers/routes`, body, ctx))["id"]);
    }
    case "cloudflare:index/workersCustomDomain:WorkersCustomDomain": {
      const body = { hostname: inputs["hostname"], service: inputs["service"], zone_id: inputs["zoneId"], environment: "production" };
      return String((await cloudflare("PUT", `/accounts/${account}/workers/domains`, body, ctx))["id"]);
    }
    default:
      throw new StandInError(`the stand-in pulumi has no fake for ${type}`);
  }
}

async function cloudflareDelete(type: string, prev: Applied, ctx: ProviderContext): Promise<void> {
  const inputs = reveal(prev.inputs) as Record<string, unknown>;
  // Versions and deployments stay: Cloudflare keeps them as history (deleting either is a no-op in the provider).
  if (type === "cloudflare:index/workersRoute:WorkersRoute") await cloudflare("DELETE", `/zones/${encodeURIComponent(String(inputs["zoneId"]))}/workers/routes/${prev.id}`, undefined, ctx);
  if (type === "cloudflare:index/worker:Worker") await cloudflare("DELETE", `/accounts/${encodeURIComponent(String(inputs["accountId"]))}/workers/workers/${prev.id}`, undefined, ctx);
}

// ---- AWS ----------------------------------------------------------------------------------------

function s3(ctx: ProviderContext): S3Client {
  if (!process.env["AWS_ACCESS_KEY_ID"] || !process.env["AWS_SECRET_ACCESS_KEY"]) {
    throw new StandInError("error: configuring Terraform AWS Provider: no valid credential sources for Terraform AWS Provider found");
  }
  return new S3Client({ region: ctx.config["aws:region"] ?? "us-east-1", maxAttempts: 2 });
}

async function awsWrite(type: string, inputs: Record<string, unknown>, prev: Applied | undefined, ctx: ProviderContext): Promise<{ id: string; computed: Record<string, unknown> }> {
  const client = s3(ctx);
  try {
    switch (type) {
      case "aws:s3/bucket:Bucket": {
        const bucket = String(inputs["bucket"]);
        if (!prev) await client.send(new CreateBucketCommand({ Bucket: bucket }));
        return { id: bucket, computed: { arn: `arn:aws:s3:::${bucket}` } };
      }
      case "aws:s3/bucketObjectv2:BucketObjectv2": {
        // The release trees and the live-release pointer the Fly machines read (infra/components/release-trees.ts): really put.
        const [bucket, key] = [String(reveal(inputs["bucket"])), String(inputs["key"])];
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: inputs["contentBase64"] === undefined ? String(inputs["content"] ?? "") : Buffer.from(String(inputs["contentBase64"]), "base64") }));
        return { id: key, computed: {} };
      }
      case "aws:iam/user:User":
        return { id: String(inputs["name"]), computed: { arn: `arn:aws:iam::123456789012:user/${String(inputs["name"])}` } };
      case "aws:iam/accessKey:AccessKey":
        return { id: prev?.id ?? `AKIA${randomBytes(8).toString("hex").toUpperCase()}`, computed: { secret: secretValue(prev ? reveal(prev.outputs["secret"]) : randomBytes(20).toString("base64")) } };
      default:
        // Bucket settings and the user's policy: recorded, not modelled by the fake S3.
        return { id: prev?.id ?? `${String(inputs["bucket"] ?? inputs["user"] ?? "aws")}-${randomBytes(3).toString("hex")}`, computed: {} };
    }
  } finally {
    client.destroy();
  }
}

async function awsDelete(type: string, prev: Applied, ctx: ProviderContext): Promise<void> {
  if (type !== "aws:s3/bucket:Bucket" && type !== "aws:s3/bucketObjectv2:BucketObjectv2") return;
  const client = s3(ctx);
  try {
    if (type === "aws:s3/bucketObjectv2:BucketObjectv2") await client.send(new DeleteObjectCommand({ Bucket: String(reveal(prev.inputs["bucket"])), Key: prev.id }));
    else await client.send(new DeleteBucketCommand({ Bucket: prev.id }));
  } finally {
    client.destroy();
  }
}

// ---- dispatch -----------------------------------------------------------------------------------

const same = (a: unknown, b: unknown) => JSON.stringify(reveal(a) ?? null) === JSON.stringify(reveal(b) ?? null);

/** create, update, replace or same, by the provider's replace rules (infra/plan/replace-rules.ts). */
export function classify(type: string, prev: Applied | undefined, news: Record<string, unknown>): Change {
  if (!prev) return "create";
  const keys = [...new Set([...Object.keys(prev.inputs), ...Object.keys(news)])].filter((key) => key !== "__defaults");
  const changed = keys.filter((key) => !same(prev.inputs[key], news[key]));
  if (changed.length === 0) return "same";
  const rule = REPLACE_RULES[type];
  if (!rule) throw new StandInError(`the stand-in pulumi has no replace rule for ${type} (add it to infra/plan/replace-rules.ts)`);
  return rule.replaceOn === "all" || changed.some((key) => rule.replaceOn.includes(key)) ? "replace" : "update";
}

export async function apply(type: string, custom: boolean, prev: Applied | undefined, news: Record<string, unknown>, ctx: ProviderContext, preview: boolean): Promise<{ change: Change; applied: Applied }> {
  if (!custom) return { change: prev ? "same" : "create", applied: { id: "", inputs: news, outputs: news } };
  if (type.startsWith("pulumi-nodejs:dynamic")) return await dynamicApply(prev, news, ctx, preview);
  if (type === "command:local:Command") return await commandApply(prev, news, ctx, preview);
  const change = classify(type, prev, news);
  if (change === "same") return { change, applied: prev! };
  if (preview) return { change, applied: { id: prev?.id ?? "", inputs: news, outputs: { ...prev?.outputs, ...news } } };
  const plain = reveal(news) as Record<string, unknown>;
  if (type.startsWith("cloudflare:")) {
    const id = await cloudflareWrite(type, plain, change === "update" ? prev : undefined, ctx);
    if (change === "replace") await cloudflareDelete(type, prev!, ctx);
    return { change, applied: { id, inputs: news, outputs: { ...news, id } } };
  }
  if (type.startsWith("aws:")) {
    const { id, computed } = await awsWrite(type, plain, change === "update" ? prev : undefined, ctx);
    return { change, applied: { id, inputs: news, outputs: { ...news, ...computed } } };
  }
  throw new StandInError(`the stand-in pulumi has no fake for ${type}`);
}

export async function remove(type: string, custom: boolean, prev: Applied, ctx: ProviderContext): Promise<void> {
  if (!custom) return;
  if (type.startsWith("pulumi-nodejs:dynamic")) return await dynamicDelete(prev, ctx);
  if (type === "command:local:Command") return await commandDelete(prev, ctx);
  if (type.startsWith("cloudflare:")) return await cloudflareDelete(type, prev, ctx);
  if (type.startsWith("aws:")) return await awsDelete(type, prev, ctx);
  throw new StandInError(`the stand-in pulumi has no fake for ${type}`);
}
