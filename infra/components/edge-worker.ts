/**
 * One API version at the edge: a Cloudflare Worker with two versions (the blue
 * and green slots), a deployment that splits traffic between them, and a route
 * for the version's path.
 *
 * Cloudflare v6 resources: `Worker` holds the name and settings and uploads no
 * code, so it never creates a deployment of its own; each `WorkerVersion` is
 * an immutable upload (any input change replaces it; deleting one is a no-op);
 * `WorkersDeployment` is the only thing that sends traffic. (`WorkersScript`
 * would upload *and* deploy at 100% on every change, fighting the deployment.)
 *
 * Durable Object migrations never ride on a version: Cloudflare refuses that
 * (error 10211) and refuses a version binding a class no applied migration
 * created (10061). They are applied first, by `ScriptMigrations`, a
 * non-versioned upload made only when a migration is pending; the versions
 * wait for it (stacks/migrations.ts has the sources).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { type DurableObjectMigrationStep, workerPlatform } from "../../app/scripts/worker-platform.ts";
import type { QuotaSettings } from "../../app/src/server/quota-settings.ts";
import { type Color, COLORS } from "../../stacks/schema.ts";
import { ScriptMigrations, type ScriptMigrationsArgs } from "../providers/cloudflare/resources.ts";
import { CIMD_COMPATIBILITY_FLAG } from "../../app/src/auth/builtin/contract.ts";
import { authServerRoutes, builtinAuthBindings, type BuiltinAuthArgs } from "./builtin-auth.ts";
import { oauthVariables, type OAuthArgs } from "./oauth-variables.ts";
import { type EdgeTelemetryArgs, observabilityOf, observabilityOnTheWire, telemetryBindings } from "./edge-telemetry.ts";
import { type Binding, bindingsOnTheWire, plain, secretText } from "./worker-bindings.ts";
import { applyTransform, type Transform } from "./transform.ts";

/** An ES-module Worker bundle, given inline or as a file read at program time. */
export type EdgeBundle = { mainModule: string; content: string } | { path: string; mainModule?: string };

export interface EdgeSlot {
  /**
   * The release this slot runs.
   * @example "r-3f9a1c7e2b4d"
   */
  release: string;
  /**
   * The edge bundle of that release.
   * @example { path: "dist/edge/worker.js" }
   */
  bundle: EdgeBundle;
  /**
   * URL of the Modal app of the same color, bound as `MODAL_URL`.
   * @example "https://acme-main--mcp-prod-v1-blue-web.modal.run"
   */
  modalUrl: pulumi.Input<string>;
}

/** A Durable Object namespace the Worker binds. */
export interface DurableObjectBinding {
  /** @example "MCP_SESSION" */
  binding: string;
  /** @example "McpSession" */
  className: string;
}

export interface EdgeWorkerArgs {
  /** Cloudflare account id. @example "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31" */
  accountId: pulumi.Input<string>;
  /** Cloudflare zone id of `hostname`. @example "4f1c0de2b7a94a6e9d3c5b8e2a7f6c10" */
  zoneId: pulumi.Input<string>;
  /** Public hostname. @example "mcp.example.com" */
  hostname: string;
  /** API version this Worker serves, bound as `API_VERSIONS`. @example "v1" */
  apiVersion: string;
  /** Path prefix of the version; the route is `<hostname><route>/*`. @example "/v1" */
  route: string;
  /** Worker name in the account. @example "mcp-prod-v1" */
  scriptName: string;
  /** What each color runs. @example { blue: { release: "r-3f9a1c7e2b4d", … }, green: { … } } */
  slots: Record<Color, EdgeSlot>;
  /** The color that takes `100 - canaryPercent` of the traffic. @example "blue" */
  live: Color;
  /** Share of traffic, in percent, sent to the other color. @default 0 @example 10 */
  canaryPercent?: number;
  /**
   * Attach `hostname` to this Worker as a Custom Domain (DNS record and
   * certificate). A hostname has one Custom Domain, so exactly one EdgeWorker
   * per hostname claims it; routes of other versions take precedence on their paths.
   * @default false
   * @example true
   */
  claimHostname?: boolean;
  /** Origin of the Fly app, bound as `FLY_ORIGIN`. @example "https://mcp-hosting-prod.fly.dev" */
  flyOrigin: pulumi.Input<string>;
  /** HMAC key shared with Fly and Modal, bound as secret `MCP_UPSTREAM_SECRET`. @example cfg.upstreamSecret */
  upstreamSecret: pulumi.Input<string>;
  /** Optional bearer token clients must send, bound as secret `MCP_AUTH_TOKEN`. @default undefined @example cfg.authToken */
  authToken?: pulumi.Input<string>;
  /**
   * The authorization server whose access tokens both versions accept, bound as
   * `MCP_OAUTH_*` with `MCP_PUBLIC_URL` `https://<hostname>`; a route sends this
   * version's Protected Resource Metadata (`/.well-known/oauth-protected-resource<route>/mcp`) here.
   * Either the team's identity provider, or (`mode: "builtin"`) the edge's own at
   * `https://<hostname>`, with its KV namespace, upstream sign-in and compatibility flag (builtin-auth.ts).
   * @default undefined (no OAuth)
   * @example { issuer: "https://acme.us.auth0.com/", scopes: ["mcp"] }
   */
  auth?: OAuthArgs | BuiltinAuthArgs;
  /**
   * Telemetry of both versions: the Analytics Engine dataset (always bound),
   * span export and Cloudflare's own trace export.
   * @default { dataset: "mcp_calls" }
   * @example { dataset: "mcp_calls_prod", otlpEndpoint: "https://api.honeycomb.io", otlpHeaders: cfg.otlpHeaders }
   */
  telemetry?: EdgeTelemetryArgs;
  /** Calls per minute per principal, bound as `RATE_LIMIT_PER_MINUTE`. @default 120 @example 240 */
  rateLimitPerMinute?: number;
  /**
   * Tool calls per key per minute and per UTC day, counted in the key's
   * `PrincipalState` object across both versions, bound as `MCP_QUOTAS` (JSON).
   * @default undefined (no quotas)
   * @example { callsPerMinute: 120, callsPerDay: 5000, tenantClaim: "org_id", tools: { csv_cluster: { callsPerMinute: 5, callsPerDay: 200 } } }
   */
  quotas?: QuotaSettings;
  /** Workers runtime compatibility date. @default the one in `app/src/runtimes/worker/platform.json` @example "2026-11-01" */
  compatibilityDate?: string;
  /** Workers compatibility flags. @default the ones in `app/src/runtimes/worker/platform.json` @example ["enable_request_signal"] */
  compatibilityFlags?: string[];
  /**
   * Durable Object namespaces both versions bind.
   * @default the ones in `app/src/runtimes/worker/platform.json`
   * @example [{ binding: "MCP_SESSION", className: "McpSession" }]
   */
  durableObjects?: DurableObjectBinding[];
  /**
   * Every Durable Object migration the slots' releases declare, in order (both
   * slots declare the same; the stack checks that). The pending ones are
   * applied by a non-versioned upload of the live slot's bundle before any
   * version is uploaded.
   * @default the ones in `app/src/runtimes/worker/platform.json`
   * @example [{ tag: "v1", newSqliteClasses: ["McpSession", "PrincipalState"] }]
   */
  migrations?: DurableObjectMigrationStep[];
  /** Base URL of the Cloudflare API for the migration upload. @default env CLOUDFLARE_BASE_URL, else https://api.cloudflare.com/client/v4 @example "http://127.0.0.1:8790/client/v4" */
  apiBaseUrl?: string;
  /**
   * Adjust what the component creates.
   * @default {}
   * @example { worker: { logpush: true } }
   */
  transform?: {
    worker?: Transform<cloudflare.WorkerArgs>;
    migrations?: Transform<ScriptMigrationsArgs>;
    version?: Transform<cloudflare.WorkerVersionArgs>;
    deployment?: Transform<cloudflare.WorkersDeploymentArgs>;
    route?: Transform<cloudflare.WorkersRouteArgs>;
    metadataRoute?: Transform<cloudflare.WorkersRouteArgs>;
    /** Each route of the built-in authorization server's paths. */
    authServerRoute?: Transform<cloudflare.WorkersRouteArgs>;
    customDomain?: Transform<cloudflare.WorkersCustomDomainArgs>;
  };
}

/** The module a bundle uploads, with the sha256 of its bytes. */
export function readBundle(bundle: EdgeBundle): { mainModule: string; contentBase64: string; sha256: string } {
  const bytes = "path" in bundle ? readFileSync(bundle.path) : Buffer.from(bundle.content, "utf8");
  const mainModule = bundle.mainModule ?? ("path" in bundle ? basename(bundle.path) : "worker.js");
  return { mainModule, contentBase64: bytes.toString("base64"), sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Traffic split: colors in a fixed order (so Durable Objects keep their version as a canary grows), zero shares left out. */
export function trafficSplit(live: Color, canaryPercent: number): { color: Color; percentage: number }[] {
  return COLORS.map((color) => ({ color, percentage: color === live ? 100 - canaryPercent : canaryPercent })).filter(
    (share) => share.percentage > 0,
  );
}

export class EdgeWorker extends pulumi.ComponentResource {
  /** The MCP endpoint of this API version. */
  readonly url: pulumi.Output<string>;
  readonly scriptName: pulumi.Output<string>;
  readonly versionIds: Record<Color, pulumi.Output<string>>;
  readonly deploymentId: pulumi.Output<string>;

  constructor(name: string, args: EdgeWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    const canary = args.canaryPercent ?? 0;
    if (!Number.isInteger(canary) || canary < 0 || canary > 100) {
      throw new Error(`EdgeWorker ${name}: canaryPercent ${canary} is not a whole number in 0..100`);
    }
    // Read both bundles first: a missing file stops the program before anything registers.
    const modules = { blue: readBundle(args.slots.blue.bundle), green: readBundle(args.slots.green.bundle) };
    super("mcp-hosting:edge:Worker", name, {}, opts);
    const t = args.transform ?? {};
    const durableObjects = args.durableObjects ?? workerPlatform.durableObjects;
    const migrations = args.migrations ?? workerPlatform.migrations;
    const compatibilityDate = args.compatibilityDate ?? workerPlatform.compatibilityDate;
    const builtin = args.auth && "mode" in args.auth && args.auth.mode === "builtin" ? args.auth : undefined;
    const platformFlags = args.compatibilityFlags ?? workerPlatform.compatibilityFlags;
    // The library fetches clients' metadata documents only with this flag (SSRF protection); it changes only fetches to
    // this zone's own hostnames, and FLY_ORIGIN and MODAL_URL are not on it. Other stacks keep their versions unchanged.
    const compatibilityFlags = builtin && !platformFlags.includes(CIMD_COMPATIBILITY_FLAG) ? [...platformFlags, CIMD_COMPATIBILITY_FLAG] : platformFlags;
    // The issuer of the built-in mode is the edge's own origin.
    const oauth = builtin ? { issuer: `https://${args.hostname}`, scopes: builtin.scopes, toolScopes: builtin.toolScopes } : (args.auth as OAuthArgs | undefined);
    const telemetry = args.telemetry ?? { dataset: "mcp_calls" };
    const observability = observabilityOf(telemetry);

    const worker = new cloudflare.Worker(
      ...applyTransform(
        t.worker,
        `${name}-worker`,
        { accountId: args.accountId, name: args.scriptName, observability, subdomain: { enabled: false } },
        { parent: this },
      ),
    );

    const bindingsOf = (color: Color): Binding[] => [
      ...durableObjects.map(({ binding, className }): Binding => ({ type: "durable_object_namespace", name: binding, className })),
      secretText("MCP_UPSTREAM_SECRET", args.upstreamSecret),
      ...(args.authToken === undefined ? [] : [secretText("MCP_AUTH_TOKEN", args.authToken)]),
      plain("FLY_ORIGIN", args.flyOrigin),
      plain("MODAL_URL", args.slots[color].modalUrl),
      plain("API_VERSIONS", args.apiVersion),
      plain("RATE_LIMIT_PER_MINUTE", String(args.rateLimitPerMinute ?? 120)),
      ...(args.quotas ? [plain("MCP_QUOTAS", JSON.stringify(args.quotas))] : []),
      plain("RELEASE", args.slots[color].release),
      plain("COLOR", color),
      // The Host rule refuses any other host (DNS rebinding); without it the Worker would allow only localhost.
      plain("MCP_ALLOWED_HOSTS", args.hostname),
      ...telemetryBindings(telemetry),
      ...Object.entries(oauth ? oauthVariables(oauth, `https://${args.hostname}`) : {}).map(([name, text]) => plain(name, text)),
      ...(builtin ? builtinAuthBindings(builtin) : []),
    ];

    // The live slot's Worker, whole, is what a pending migration uploads: it takes 100% of the traffic until the deployment below.
    const migrationsApplied =
      migrations.length === 0
        ? undefined
        : new ScriptMigrations(
            ...applyTransform(
              t.migrations,
              `${name}-migrations`,
              {
                ...(args.apiBaseUrl ? { apiBaseUrl: args.apiBaseUrl } : {}),
                accountId: args.accountId,
                scriptName: worker.name,
                migrations,
                upload: {
                  release: args.slots[args.live].release,
                  mainModule: modules[args.live].mainModule,
                  contentBase64: modules[args.live].contentBase64,
                  compatibilityDate,
                  compatibilityFlags,
                  bindings: bindingsOnTheWire(bindingsOf(args.live)),
                  // The Worker's own block: the upload replaces the script's observability with what it carries.
                  observability: observabilityOnTheWire(observability),
                },
              },
              { parent: this },
            ),
          );

    const versions = {} as Record<Color, cloudflare.WorkerVersion>;
    for (const color of COLORS) {
      const slot = args.slots[color];
      const module = modules[color];
      versions[color] = new cloudflare.WorkerVersion(
        ...applyTransform(
          t.version,
          `${name}-${color}`,
          {
            accountId: args.accountId,
            workerId: worker.id,
            mainModule: module.mainModule,
            modules: [{ name: module.mainModule, contentType: "application/javascript+module", contentBase64: module.contentBase64 }],
            compatibilityDate,
            compatibilityFlags,
            bindings: bindingsOf(color),
            annotations: {
              workersTag: slot.release,
              workersMessage: `${args.apiVersion} ${color} ${slot.release} sha256:${module.sha256.slice(0, 12)}`,
            },
          },
          { parent: this, dependsOn: migrationsApplied ? [migrationsApplied] : [] },
        ),
      );
    }

    const deployment = new cloudflare.WorkersDeployment(
      ...applyTransform(
        t.deployment,
        `${name}-deployment`,
        {
          accountId: args.accountId,
          scriptName: worker.name,
          strategy: "percentage",
          versions: trafficSplit(args.live, canary).map((share) => ({
            versionId: versions[share.color].id,
            percentage: share.percentage,
          })),
          annotations: { workersMessage: `${args.apiVersion}: live ${args.live}, canary ${canary}%` },
        },
        { parent: this },
      ),
    );

    if (args.claimHostname) {
      new cloudflare.WorkersCustomDomain(
        ...applyTransform(
          t.customDomain,
          `${name}-domain`,
          { accountId: args.accountId, zoneId: args.zoneId, hostname: args.hostname, service: worker.name },
          { parent: this, dependsOn: [deployment] },
        ),
      );
    }

    const route = new cloudflare.WorkersRoute(
      ...applyTransform(
        t.route,
        `${name}-route`,
        { zoneId: args.zoneId, pattern: `${args.hostname}${args.route}/*`, script: worker.name },
        { parent: this, dependsOn: [deployment] },
      ),
    );

    // RFC 9728 §3.1 puts a resource's metadata outside its path; without this route it would reach the hostname's Custom Domain Worker.
    if (args.auth) {
      new cloudflare.WorkersRoute(
        ...applyTransform(
          t.metadataRoute,
          `${name}-metadata-route`,
          { zoneId: args.zoneId, pattern: `${args.hostname}/.well-known/oauth-protected-resource${args.route}/mcp`, script: worker.name },
          { parent: this, dependsOn: [deployment] },
        ),
      );
    }

    // The authorization server's own paths on the edge's origin (its issuer) go to the Worker that serves them.
    if (builtin?.serveAuthorizationServer) {
      for (const { name: path, pattern } of authServerRoutes(args.hostname)) {
        new cloudflare.WorkersRoute(
          ...applyTransform(t.authServerRoute, `${name}-as-${path}`, { zoneId: args.zoneId, pattern, script: worker.name }, { parent: this, dependsOn: [deployment] }),
        );
      }
    }

    this.url = route.id.apply(() => `https://${args.hostname}${args.route}/mcp`);
    this.scriptName = worker.name;
    this.versionIds = { blue: versions.blue.id, green: versions.green.id };
    this.deploymentId = deployment.id;
    this.registerOutputs({ url: this.url, scriptName: this.scriptName, deploymentId: this.deploymentId });
  }
}
