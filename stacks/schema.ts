/**
 * The one schema of everything a stack differs in. A `Pulumi.<stack>.yaml` holds
 * these keys in the project namespace (`mcp-hosting:fly`, …) as structured
 * objects, so `pulumi config set --path 'apiVersions.v1.live' green` edits one
 * field. Secrets are the keys in SECRET_KEYS, set with
 * `pulumi config set --secret <key> <value>`; they arrive as secret Outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as z from "zod";
import { authBlockSchema } from "./auth.ts";
import { awsRegion } from "./aws.ts";
import { costBlockSchema } from "./cost/assumptions.ts";
import { describeMemoryRange, FLY_MACHINE_SIZES, FLY_REGIONS, MACHINE_SIZE_NAMES } from "./fly.ts";
import { releasePins } from "./pins.ts";
import { registryBlockSchema } from "./registry/block.ts";
import { quotaBlockSchema } from "../app/src/server/quota-settings.ts";
import { telemetryBlockSchema } from "./telemetry/config.ts";
import { int, pattern, show, strict } from "./rules.ts";
import { GPU_CHOICES } from "../app/src/tools/modal-compute.ts";

export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

/**
 * A release is an immutable, content-addressed build: `r-` and the first 12 hex
 * characters of the sha256 of its artifacts. The literal `local` means "the
 * bundle in the working tree" and is meant for dev stacks only.
 */
export const RELEASE_PATTERN = /^(local|r-[0-9a-f]{12})$/;

function secret(key: string) {
  return z.custom<pulumi.Output<string>>((value) => pulumi.Output.isInstance(value), {
    error: `secret is missing (set it with: pulumi config set --secret ${key} <value>)`,
  });
}

/** What a machine keeps beside one release's process: the release host and Litestream. */
const HOST_RESERVE_MB = 128;
const hex32 = (what: string) => pattern(/^[0-9a-f]{32}$/, `a ${what} (expected 32 lowercase hex characters)`);
const release = pattern(RELEASE_PATTERN, "a release id (expected r-<12 hex> or local)");
const s3Bucket = pattern(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name (expected 3-63 of a-z 0-9 . -)");
const slug = pattern(/^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/, "a name (expected 2-40 of a-z 0-9 -)");
const flyName = pattern(/^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/, "a Fly name (expected 2-63 of a-z 0-9 -)");
const flyRegion = z.enum(FLY_REGIONS, {
  error: (iss) => `${show(iss.input)} is not a Fly region (expected one of ${FLY_REGIONS.join(", ")})`,
});
const color = z.enum(COLORS, { error: (iss) => `${show(iss.input)} is not a color (expected blue or green)` });

const callsPerMinute = int(1, 100_000);

// No default: Modal lets each environment have its own web suffix and one have
// none (modal.com/docs/guide/environments, "Environment web suffixes"), so only
// the workspace knows it; a wrong one makes the deploy's URL check fail.
const webSuffix = z
  .string({
    error: (iss) =>
      iss.input === undefined
        ? `is required (expected the web suffix of modal.environment, web_suffix in modal environment list --json, or "" for the environment without one)`
        : undefined,
  })
  .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)?$/, {
    error: (iss) => `${show(iss.input)} is not a Modal web suffix (expected a-z 0-9 - as in modal environment list --json, or "" for none)`,
  });

const apiVersion = strict({
  route: z.string().regex(/^\/[a-z0-9-]+$/, {
    error: (iss) =>
      String(iss.input).startsWith("/") ? `${show(iss.input)} is not one path segment (expected e.g. /v1)` : "must start with /",
  }),
  slots: strict({ blue: strict({ release }), green: strict({ release }) }),
  live: color,
  canaryPercent: int(0, 100).default(0),
  /** Overrides the stack's rateLimit for this version. */
  rateLimit: strict({ callsPerMinute }).optional(),
  /**
   * Set by `npm run api:add` on a new API version that no client depends on
   * yet: releases pinned to it are not checked for breaking changes against
   * what it serves (the version it was added from). Its first full cutover
   * publishes it (the key is removed); from then on breaking changes are refused.
   */
  preview: z.boolean({ error: (iss) => `${show(iss.input)} is not true or false` }).optional(),
  /**
   * Written by `npm run cutover`: the color live before it, and the release it
   * ran. `npm run rollback` gives that color all the traffic again, so a second
   * rollback changes nothing.
   */
  rollbackTo: strict({ live: color, release }).optional(),
});

export const API_VERSION_NAME = /^v[0-9]+$/;

const apiVersionName = z.string().regex(API_VERSION_NAME, {
  error: (iss) => `${show(iss.input)} is not an API version name (expected v1, v2, …)`,
});

/** API version names in numeric order: v1, v2, …, v10. */
export function inVersionOrder(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

export const SECRET_KEYS = ["upstreamSecret", "authToken", "modalTokenId", "modalTokenSecret", "otlpHeaders"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const settingsShape = {
  domain: pattern(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a hostname (expected e.g. mcp.example.com)"),
  zoneId: hex32("Cloudflare zone id"),
  cloudflareAccountId: hex32("Cloudflare account id"),
  apiVersions: z
    .record(apiVersionName, apiVersion)
    .refine((versions) => Object.keys(versions).length > 0, { error: "at least one API version is required (e.g. v1)" }),
  fly: strict({
    org: flyName,
    app: flyName,
    primaryRegion: flyRegion,
    regions: z.array(flyRegion).min(1, { error: "at least one region is required (e.g. [iad])" }),
    machine: strict({
      size: z.enum(MACHINE_SIZE_NAMES, {
        error: (iss) => `${show(iss.input)} is not a Fly machine size (expected one of ${MACHINE_SIZE_NAMES.join(", ")})`,
      }),
      memoryMb: int(256, 131_072),
    }),
    volumeSizeGb: int(1, 500),
    /**
     * The host runtime: the release whose image every machine runs (its
     * Dockerfile, dependencies and release host). The releases pinned in the
     * slots run side by side on top of it (app/src/runtimes/release-host/).
     */
    release,
    /**
     * A release's server process over this resident size is restarted by the
     * machine's release host, with the reason in the log; the others go on.
     */
    releaseMemoryMb: int(64, 65_536).default(256),
    /**
     * Another Fly app of the organization whose registry holds the images of
     * the releases this stack runs (prod: staging's app). A release's image is
     * copied from there by digest, never rebuilt (infra/providers/fly/image.ts).
     */
    imageFrom: flyName.optional(),
  }),
  backup: strict({
    bucket: s3Bucket,
    region: awsRegion,
    prefix: pattern(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/, "a key prefix (expected e.g. litestream/, ending in /)").default("litestream/"),
    noncurrentRetentionDays: int(1, 3650).default(30),
    abortIncompleteUploadDays: int(1, 365).default(7),
  }),
  modal: strict({
    workspace: slug,
    environment: pattern(/^[A-Za-z0-9._-]{1,64}$/, "a Modal environment name (expected e.g. main)"),
    /** The environment's web suffix, part of every web URL: https://<workspace>[-<webSuffix>]--<label>.modal.run */
    webSuffix,
    appPrefix: slug,
    minContainers: int(0, 100).default(0),
    // Modal's client refuses <= 0; its server answers "scaledown_window must be between 2 and 3600".
    scaledownWindow: int(2, 3600).default(300),
    /**
     * Per tool with a Modal Function of its own (its definition declares `compute`):
     * the GPU and the scaling in this stack, e.g. a T4 in staging and an L4 in prod.
     */
    tools: z
      .record(
        pattern(/^[a-z][a-z0-9_]{0,63}$/, "a tool name (expected snake_case, e.g. csv_cluster)"),
        strict({
          gpu: z.enum(GPU_CHOICES, { error: (iss) => `${show(iss.input)} is not a Modal GPU type (expected one of ${GPU_CHOICES.join(", ")}; modal.com/docs/guide/gpu)` }).optional(),
          minContainers: int(0, 100).optional(),
          maxContainers: int(1, 1000).optional(),
          scaledownWindow: int(2, 3600).optional(),
        }).refine((tool) => tool.maxContainers === undefined || tool.minContainers === undefined || tool.minContainers <= tool.maxContainers, {
          message: "minContainers is above maxContainers (expected at most maxContainers warm containers)",
          path: ["minContainers"],
        }),
      )
      .default({}),
  }),
  rateLimit: strict({ callsPerMinute: callsPerMinute.default(120) }).default({ callsPerMinute: 120 }),
  /**
   * Tool calls per key (the verified principal, or its tenant claim's value)
   * per minute and per UTC day, with lower per-tool limits; the Worker and the
   * Fly machines get it as `MCP_QUOTAS` (app/src/server/quota-settings.ts).
   * Unlike `rateLimit` (a flood guard per session, or per principal, in
   * memory, per API version) it is counted durably across every API version's
   * sessions and requests.
   */
  quotas: quotaBlockSchema.optional(),
  /** Where releases are stored: an existing S3 bucket, or an S3-compatible store through `endpoint`. */
  artifactStore: strict({
    bucket: s3Bucket,
    region: awsRegion,
    endpoint: pattern(/^https?:\/\/[^\s/]+\/?$/, "an endpoint URL (expected e.g. https://<account>.r2.cloudflarestorage.com)").optional(),
  }).optional(),
  /**
   * Traffic assumptions and price overrides of `npm run cost` (stacks/cost/).
   * Only the cost estimate reads it; the Pulumi program creates nothing from it.
   */
  cost: costBlockSchema.optional(),
  /** OAuth: the identity provider whose access tokens the Worker and Fly accept (stacks/auth.ts). */
  auth: authBlockSchema.optional(),
  /** Spans, the Analytics Engine dataset, the guard's thresholds (stacks/telemetry/config.ts). */
  telemetry: telemetryBlockSchema.optional(),
  /** The stack's entry in the official MCP registry (`npm run registry`, stacks/registry/server-json.ts). */
  registry: registryBlockSchema.optional(),
};

const secretsShape = {
  upstreamSecret: secret("upstreamSecret"),
  authToken: secret("authToken").optional(),
  modalTokenId: secret("modalTokenId"),
  modalTokenSecret: secret("modalTokenSecret"),
  /** Headers of every span export, `key=value,…` (an API key): the Worker, Fly and Modal send them to telemetry.otlpEndpoint. */
  otlpHeaders: secret("otlpHeaders").optional(),
} satisfies Record<SecretKey, z.ZodType>;

export const stackConfigSchema = strict({ ...settingsShape, ...secretsShape }).superRefine((stack, ctx) => {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });

  const { fly } = stack;
  if (!fly.regions.includes(fly.primaryRegion)) {
    issue(["fly", "primaryRegion"], `${show(fly.primaryRegion)} is not one of fly.regions (expected one of ${fly.regions.join(", ")})`);
  }
  fly.regions.forEach((region, i) => {
    const first = fly.regions.indexOf(region);
    if (first !== i) issue(["fly", "regions", i], `${show(region)} is listed twice (first at fly.regions[${first}])`);
  });
  if (fly.imageFrom === fly.app) issue(["fly", "imageFrom"], `${show(fly.imageFrom)} is this stack's own app (expected another app, e.g. staging's, or no imageFrom)`);
  const size = FLY_MACHINE_SIZES[fly.machine.size];
  const memory = fly.machine.memoryMb;
  if (memory < size.minMemoryMb || memory > size.maxMemoryMb || memory % size.memoryStepMb !== 0) {
    issue(["fly", "machine", "memoryMb"], `${memory} does not fit ${fly.machine.size} (expected ${describeMemoryRange(size)})`);
  }
  // The release host and Litestream need their share of the machine beside any one release.
  if (fly.releaseMemoryMb > memory - HOST_RESERVE_MB) {
    issue(["fly", "releaseMemoryMb"], `${fly.releaseMemoryMb} leaves the release host and Litestream less than ${HOST_RESERVE_MB} MB of the machine's ${memory} (expected at most ${memory - HOST_RESERVE_MB})`);
  }

  const routes = new Map<string, string>();
  for (const [name, version] of Object.entries(stack.apiVersions)) {
    const owner = routes.get(version.route);
    if (owner) issue(["apiVersions", name, "route"], `${show(version.route)} is already the route of ${owner}`);
    routes.set(version.route, name);
  }

  if (stack.otlpHeaders !== undefined && stack.telemetry?.otlpEndpoint === undefined) {
    issue(["otlpHeaders"], "is set but telemetry.otlpEndpoint is not (expected both, or neither: the headers go with the exports)");
  }

  if (stack.quotas?.tenantClaim !== undefined && stack.auth === undefined) {
    issue(["quotas", "tenantClaim"], "is set but auth is not (expected an auth block too: only an issuer's access tokens carry claims)");
  }

  if (!stack.artifactStore) {
    for (const { path, release: pinned } of releasePins(stack)) {
      if (pinned !== "local") issue(path, `${show(pinned)} pins a release but artifactStore is not set (expected artifactStore or local)`);
    }
  }
});

/** A validated stack: typed, defaults applied, secrets as secret Outputs. */
export type StackConfig = z.output<typeof stackConfigSchema>;
export type ApiVersionConfig = StackConfig["apiVersions"][string];
