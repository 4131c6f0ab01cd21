/**
 * Which input changes a provider applies in place and which make it replace
 * the resource, for every resource type this program registers. Taken from
 * the providers' own schemas, so the offline diff says what `pulumi preview`
 * will say:
 *
 * - Cloudflare (terraform-provider-cloudflare v5, bridged by @pulumi/cloudflare
 *   v6): attributes with a `RequiresReplace` plan modifier. A WorkerVersion is
 *   immutable; a WorkersDeployment has no update (every attribute requires
 *   replace, and its delete is a no-op: Cloudflare keeps deployments as history).
 * - AWS (terraform-provider-aws, bridged by @pulumi/aws): `ForceNew` arguments.
 * - command:local:Command: `triggers` replace; anything else re-runs `create`
 *   in place, so its stdout is recomputed.
 * - Fly and the Cloudflare script migrations (our dynamic providers): their
 *   own diff is called, not restated here.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FlyResourceKind } from "../providers/fly/kinds.ts";

export interface ReplaceRule {
  /** Inputs whose change means a new resource; "all" for a resource that cannot be updated. */
  replaceOn: "all" | readonly string[];
  /** Outputs an in-place update recomputes (unknown until apply). */
  recomputedOnUpdate?: readonly string[];
  /** What a replacement means for this type, in words. */
  replaceNote?: string;
}

export const REPLACE_RULES: Record<string, ReplaceRule> = {
  "cloudflare:index/worker:Worker": { replaceOn: ["accountId"] },
  "cloudflare:index/workerVersion:WorkerVersion": {
    replaceOn: "all",
    replaceNote: "Worker versions are immutable: a new version is uploaded; deleting the old one is a no-op",
  },
  "cloudflare:index/workersDeployment:WorkersDeployment": {
    replaceOn: "all",
    replaceNote: "a deployment cannot be updated: a new deployment takes the traffic; deleting the old one is a no-op (Cloudflare keeps it as history)",
  },
  "cloudflare:index/workersRoute:WorkersRoute": { replaceOn: ["zoneId", "routeId"] },
  "cloudflare:index/workersCustomDomain:WorkersCustomDomain": { replaceOn: ["accountId", "hostname"] },
  "aws:s3/bucket:Bucket": { replaceOn: ["bucket", "bucketPrefix", "objectLockEnabled"] },
  // terraform-provider-aws internal/service/s3/object.go: bucket and key are ForceNew.
  "aws:s3/bucketObjectv2:BucketObjectv2": { replaceOn: ["bucket", "key"] },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": { replaceOn: ["bucket"] },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": { replaceOn: ["bucket"] },
  "aws:s3/bucketVersioning:BucketVersioning": { replaceOn: ["bucket", "expectedBucketOwner", "mfa"] },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": { replaceOn: ["bucket", "expectedBucketOwner"] },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": { replaceOn: ["bucket", "expectedBucketOwner"] },
  "aws:iam/user:User": { replaceOn: [] },
  "aws:iam/userPolicy:UserPolicy": { replaceOn: ["name", "namePrefix", "user"] },
  "aws:iam/accessKey:AccessKey": { replaceOn: ["user", "pgpKey"] },
  "command:local:Command": { replaceOn: ["triggers"], recomputedOnUpdate: ["stdout", "stderr"] },
};

/** Dynamic Fly resource types and the kind whose provider diff decides. */
export const FLY_KINDS: Record<string, FlyResourceKind> = {
  "pulumi-nodejs:dynamic/fly:App": "app",
  "pulumi-nodejs:dynamic/fly:Image": "image",
  "pulumi-nodejs:dynamic/fly:Volume": "volume",
  "pulumi-nodejs:dynamic/fly:Machine": "machine",
  "pulumi-nodejs:dynamic/fly:Secrets": "secrets",
  "pulumi-nodejs:dynamic/fly:IpAssignment": "ip",
};

/** The dynamic Cloudflare type whose provider diff decides (infra/providers/cloudflare/script-migrations.ts). */
export const SCRIPT_MIGRATIONS = "pulumi-nodejs:dynamic/cloudflare:ScriptMigrations";

/**
 * The outputs a ScriptMigrations resource had after the first evaluation's
 * deploy: every migration it declared, applied.
 */
function appliedMigrationsOf(inputs: Record<string, unknown>): Record<string, unknown> {
  const migrations = Array.isArray(inputs.migrations) ? (inputs.migrations as { tag: string }[]) : [];
  return { ...inputs, appliedTag: migrations[migrations.length - 1]?.tag };
}

export interface Classification {
  /** "none": the provider's diff finds nothing to do (e.g. a migration upload whose code changed but no migration is pending). */
  kind: "update" | "replace" | "none";
  /** The inputs that force the replacement. */
  replaceKeys: string[];
  rule: ReplaceRule | undefined;
}

/** Classifies a change of `changedKeys` of a resource of `type` by its provider's rule. */
export async function classifyChange(
  type: string,
  changedKeys: string[],
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<Classification> {
  const fly = FLY_KINDS[type];
  if (fly) {
    const { handlerFor } = await import("../providers/fly/kinds.ts");
    const result: pulumi.dynamic.DiffResult = await handlerFor(fly).diff!("offline", olds, news);
    const replaceKeys = result.replaces ?? [];
    return { kind: replaceKeys.length > 0 ? "replace" : "update", replaceKeys, rule: undefined };
  }
  if (type === SCRIPT_MIGRATIONS) {
    const { handlerFor } = await import("../providers/cloudflare/kinds.ts");
    const result: pulumi.dynamic.DiffResult = await handlerFor("script-migrations").diff!("offline", appliedMigrationsOf(olds), news);
    const replaceKeys = result.replaces ?? [];
    return { kind: result.changes === false ? "none" : replaceKeys.length > 0 ? "replace" : "update", replaceKeys, rule: undefined };
  }
  const rule = REPLACE_RULES[type];
  if (!rule) return { kind: "replace", replaceKeys: changedKeys, rule: undefined };
  const replaceKeys = rule.replaceOn === "all" ? changedKeys : changedKeys.filter((key) => rule.replaceOn.includes(key));
  return { kind: replaceKeys.length > 0 ? "replace" : "update", replaceKeys, rule };
}
