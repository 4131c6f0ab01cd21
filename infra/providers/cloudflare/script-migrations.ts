/**
 * The Durable Object migrations of one Worker script, applied the only way
 * Cloudflare accepts them: a non-versioned upload of the whole script, which
 * deploys at 100% (a Worker *version* carrying a migration is refused with
 * error 10211; see stacks/migrations.ts for the sources).
 *
 * Why a dynamic resource: of `@pulumi/cloudflare` 6.x, only `WorkersScript`
 * does this upload, and it cannot share a script with `Worker` +
 * `WorkerVersion` + `WorkersDeployment` (terraform-provider-cloudflare
 * internal/services/workers_script/resource.go: its Create *and* Update PUT
 * the script, deploying its own code at 100% over the deployment's split; its
 * Read diffs the content and bindings the versions change; it manages the same
 * settings `worker` replaces; deleting it deletes the script). `WorkerVersion`
 * with `migrations` is the upload Cloudflare refuses (terraform-provider-cloudflare
 * issue #6852), and being immutable it would re-send an applied migration on
 * every replacement.
 *
 * So this resource uploads only when a migration is pending: the script's
 * applied tag (read from Cloudflare, not trusted from state) is compared with
 * the release's migrations, and only the steps after it are sent, with
 * `old_tag` as the precondition, the way `wrangler deploy` does. Code and
 * binding changes alone never upload: they go out as Worker versions.
 */
import type * as pulumi from "@pulumi/pulumi";
import { migrationStepOnTheWire, type DurableObjectMigrationStep } from "../../../app/scripts/worker-platform.ts";
import { migrationChange, pendingSteps } from "../../../stacks/migrations.ts";
import { CloudflareApiError, CloudflareClient, defaultCloudflareApiBaseUrl, defaultCloudflareTiming, type CloudflareTiming } from "./client.ts";

/** The Worker uploaded with a pending migration: the release that declares it, with the live color's bindings. */
export interface MigrationUpload {
  /** The release whose bundle this is. @example "r-3f9a1c7e2b4d" */
  release: string;
  mainModule: string;
  contentBase64: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** Bindings as the upload API spells them (`{ type, name, class_name }`, `{ type: "secret_text", name, text }`, …). */
  bindings: Record<string, unknown>[];
  /**
   * The Worker's observability block, as the upload metadata spells it: the
   * upload replaces the script's whole setting with this one.
   * @example { enabled: true, traces: { enabled: true, destinations: ["honeycomb-traces"] } }
   */
  observability?: Record<string, unknown>;
}

export interface ScriptMigrationInputs {
  /** Base URL of the API. Precedence: this, env `CLOUDFLARE_BASE_URL`, https://api.cloudflare.com/client/v4. */
  apiBaseUrl?: string;
  accountId: string;
  scriptName: string;
  /** Every migration the release declares, in order. */
  migrations: DurableObjectMigrationStep[];
  upload: MigrationUpload;
}

export interface ScriptMigrationOutputs {
  apiBaseUrl?: string;
  accountId: string;
  scriptName: string;
  migrations: DurableObjectMigrationStep[];
  /** The script's last applied migration tag, as Cloudflare reported it. */
  appliedTag?: string;
  /** The release uploaded by the last migration this resource applied, if any. */
  uploadedRelease?: string;
}

export interface CloudflareContext {
  clientFor(apiBaseUrl: string | undefined): CloudflareClient;
  /**
   * Takes the stack's `cloudflare:apiToken` (the engine hands a dynamic provider
   * the stack config, decrypted, through `configure`). Like the Cloudflare
   * provider, a token in config wins over `CLOUDFLARE_API_TOKEN`
   * (terraform-provider-cloudflare internal/provider.go: the environment is read
   * only when `api_token` is unset). It lives in this process only: never an
   * input, never in state.
   */
  configure(config: pulumi.dynamic.Config): void;
}

export function createCloudflareContext(options: { timing?: Partial<CloudflareTiming>; env?: Record<string, string | undefined> } = {}): CloudflareContext {
  const env = options.env ?? process.env;
  const timing = { ...defaultCloudflareTiming, ...options.timing };
  let configuredToken: string | undefined;
  // A getter: without a token in config, the environment is still read at call time.
  const tokenSource = {
    get CLOUDFLARE_API_TOKEN() {
      return configuredToken ?? env["CLOUDFLARE_API_TOKEN"];
    },
  };
  return {
    clientFor: (apiBaseUrl) => new CloudflareClient({ baseUrl: apiBaseUrl || env["CLOUDFLARE_BASE_URL"] || defaultCloudflareApiBaseUrl, timing, env: tokenSource }),
    configure(config) {
      configuredToken = config.get("cloudflare:apiToken")?.trim() || undefined;
    },
  };
}

/** The migrations of `applied` up to `tag` that `wanted` declares differently, in words. */
function rewrittenHistory(applied: readonly DurableObjectMigrationStep[], wanted: readonly DurableObjectMigrationStep[], tag: string | undefined): string | undefined {
  const upTo = (list: readonly DurableObjectMigrationStep[]) => list.slice(0, list.findIndex((m) => m.tag === tag) + 1);
  if (tag === undefined) return undefined;
  const change = migrationChange(upTo(applied), upTo(wanted));
  return change && `the release ${change} that Cloudflare has already applied; an applied migration cannot be changed (expected a new tag after ${tag})`;
}

export function scriptMigrationsProvider(ctx: CloudflareContext) {
  async function apply(inputs: ScriptMigrationInputs, previous: readonly DurableObjectMigrationStep[] | undefined): Promise<ScriptMigrationOutputs> {
    const client = ctx.clientFor(inputs.apiBaseUrl);
    const where = `Worker ${inputs.scriptName}`;
    const appliedTag = await client.migrationTag(inputs.accountId, inputs.scriptName);
    const rewritten = previous && rewrittenHistory(previous, inputs.migrations, appliedTag);
    if (rewritten) throw new Error(`${where}: ${rewritten}`);
    const pending = pendingSteps(inputs.migrations, appliedTag);
    if (!pending.ok) throw new Error(`${where}: ${pending.reason}`);
    const base = { ...(inputs.apiBaseUrl ? { apiBaseUrl: inputs.apiBaseUrl } : {}), accountId: inputs.accountId, scriptName: inputs.scriptName, migrations: inputs.migrations };
    if (pending.steps.length === 0) return { ...base, ...(appliedTag ? { appliedTag } : {}) };

    const newTag = pending.steps[pending.steps.length - 1]!.tag;
    const { upload } = inputs;
    const metadata = {
      main_module: upload.mainModule,
      compatibility_date: upload.compatibilityDate,
      compatibility_flags: upload.compatibilityFlags,
      bindings: upload.bindings,
      ...(upload.observability ? { observability: upload.observability } : {}),
      // `old_tag` may be left out only while the script has none (the API answers 412 / 10079 otherwise).
      migrations: { ...(appliedTag ? { old_tag: appliedTag } : {}), new_tag: newTag, steps: pending.steps.map(migrationStepOnTheWire) },
      annotations: { "workers/message": `Durable Object migration ${newTag} with ${upload.release}`, "workers/tag": upload.release },
    };
    try {
      await client.uploadScript(inputs.accountId, inputs.scriptName, { metadata, modules: [{ name: upload.mainModule, contentBase64: upload.contentBase64 }] });
    } catch (error) {
      // An upload that timed out may have been applied: the tag says whether it was.
      if (!(error instanceof CloudflareApiError && error.ambiguous)) throw error;
      const now = await client.migrationTag(inputs.accountId, inputs.scriptName);
      if (now !== newTag) throw error;
    }
    return { ...base, appliedTag: newTag, uploadedRelease: upload.release };
  }

  return {
    async configure(request: pulumi.dynamic.ConfigureRequest): Promise<void> {
      ctx.configure(request.config);
    },

    async check(_olds: ScriptMigrationInputs, news: ScriptMigrationInputs): Promise<pulumi.dynamic.CheckResult<ScriptMigrationInputs>> {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      const tags = news.migrations.map((m) => m.tag);
      const repeated = tags.filter((tag, i) => tags.indexOf(tag) !== i);
      if (repeated.length > 0) failures.push({ property: "migrations", reason: `tag ${repeated[0]} appears twice (expected each migration tag once)` });
      return failures.length > 0 ? { failures } : { inputs: news };
    },

    async diff(_id: string, olds: ScriptMigrationOutputs, news: ScriptMigrationInputs): Promise<pulumi.dynamic.DiffResult> {
      const replaces = (["accountId", "scriptName"] as const).filter((key) => olds[key] !== news[key]);
      if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: false };
      // Only a pending or rewritten migration is a change; code and bindings go out as versions.
      const pending = pendingSteps(news.migrations, olds.appliedTag);
      const changed = !pending.ok || pending.steps.length > 0 || rewrittenHistory(olds.migrations, news.migrations, olds.appliedTag) !== undefined;
      return { changes: changed, ...(changed ? { replaces: [] } : {}) };
    },

    async create(inputs: ScriptMigrationInputs): Promise<{ id: string; outs: ScriptMigrationOutputs }> {
      return { id: `${inputs.accountId}/${inputs.scriptName}`, outs: await apply(inputs, undefined) };
    },

    async update(_id: string, olds: ScriptMigrationOutputs, news: ScriptMigrationInputs): Promise<{ outs: ScriptMigrationOutputs }> {
      return { outs: await apply(news, olds.migrations) };
    },

    async read(id: string, props?: ScriptMigrationOutputs): Promise<{ id: string; props?: ScriptMigrationOutputs }> {
      if (!props) return { id };
      const appliedTag = await ctx.clientFor(props.apiBaseUrl).migrationTag(props.accountId, props.scriptName);
      const { appliedTag: _stale, ...rest } = props;
      return { id, props: { ...rest, ...(appliedTag ? { appliedTag } : {}) } };
    },

    /** A migration cannot be undone; it lives and dies with the script, which the `Worker` resource owns. */
    async delete(): Promise<void> {},
  };
}
