/**
 * The composition of a stack: typed config in, components out. No Pulumi
 * config is read here and nothing runs at import time, so tests and the
 * offline plan call buildStack under mocks.
 */
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { tools as workingTreeTools } from "../app/src/tools/index.ts";
import { unknownToolScopes } from "../stacks/auth.ts";
import { unknownQuotaTools } from "../app/src/server/quota-settings.ts";
import { StackConfigError } from "../stacks/config-error.ts";
import { FLY_MACHINE_SIZES } from "../stacks/fly.ts";
import { DOCKERFILE, flyInputsSha256 } from "../stacks/release/fly-inputs.ts";
import { canaryRefusal, MigrationSplitError, slotRefusal } from "../stacks/migrations.ts";
import { type Color, COLORS, inVersionOrder, type StackConfig } from "../stacks/schema.ts";
import { BackupBucket } from "./components/backup-bucket.ts";
import { EdgeWorker, type EdgeSlot } from "./components/edge-worker.ts";
import { FlyService } from "./components/fly-service.ts";
import { ModalApp } from "./components/modal-app.ts";
import { assertToolOverrides, declaredCompute, toolFunctions } from "./modal-functions.ts";
import { DIRECT_RELEASE_KEY, ReleaseTrees } from "./components/release-trees.ts";
import { OAuthStore } from "./components/builtin-auth.ts";
import { oauthVariables } from "./components/oauth-variables.ts";
import { EDGE_ONLY_ENV } from "../app/src/auth/builtin/contract.ts";
import type { ReleaseArtifacts, ReleaseSource } from "./releases.ts";
import { datasetOf } from "../stacks/telemetry/config.ts";

export interface StackDeps {
  /** Stack name, used in cloud resource names. @example "prod" */
  stack: string;
  /** Where release artifacts come from. */
  releases: ReleaseSource;
  /**
   * The project root, relative to the program's working directory; the Modal
   * CLI runs there. @default "."
   */
  projectDir?: string;
}

/** How to reach one color of an API version directly (the version-override header). */
export interface EdgeColors {
  scriptName: pulumi.Output<string>;
  versionIds: Record<Color, pulumi.Output<string>>;
  /** The release each color runs, so a pipeline can tell what is live without the stack file. */
  releases: Record<Color, string>;
  live: Color;
  canaryPercent: number;
}

export interface StackOutputs {
  /** MCP endpoint per API version. */
  urls: Record<string, pulumi.Output<string>>;
  /** Worker script and version ids per API version. */
  edge: Record<string, EdgeColors>;
  flyApp: pulumi.Output<string>;
  backupBucket: pulumi.Output<string>;
  /** The built-in authorization server's store, for `npm run auth` (absent without `auth.mode: builtin`). */
  oauth?: BuiltinAuthOutputs;
}

export interface BuiltinAuthOutputs {
  /** Its issuer, the edge's origin. @example "https://mcp.example.com" */
  issuer: string;
  accountId: string;
  /** The KV namespace holding clients, grants and tokens. */
  kvNamespaceId: pulumi.Output<string>;
}

/**
 * The tag of a release's Fly image: its id. `local` (the working tree) is
 * tagged by the hash of what the image holds, so an edit is a new image and an
 * unchanged tree finds its image already pushed.
 */
export function flyImageTag(release: string, inputsSha256: string): string {
  return release === "local" ? `local-${inputsSha256.slice(0, 12)}` : release;
}

/** The Fly image of a release in an app's repository. */
export function flyImage(app: string, tag: string): string {
  return `registry.fly.io/${app}:${tag}`;
}

/** What the Fly image of the pinned release is built from, by hash, and the commit it came from. */
function flyImageInputsOf(found: ReleaseArtifacts, projectDir: string): { inputsSha256: string; gitCommit?: string } {
  if (found.manifest) return { inputsSha256: found.manifest.fly.inputsSha256, gitCommit: found.manifest.gitCommit };
  // A placeholder (offline plan only: the release is not on this machine) has no known inputs.
  if (found.placeholder) return { inputsSha256: "0".repeat(64) };
  return { inputsSha256: flyInputsSha256(projectDir) };
}

/** API versions in numeric order: v1, v2, …, v10. */
export function apiVersionsInOrder(config: StackConfig): string[] {
  return inVersionOrder(Object.keys(config.apiVersions));
}

/** The tools a release serves: its manifest's, the working tree's for `local`; unknown for a placeholder. */
function toolsOf(found: ReleaseArtifacts): string[] | undefined {
  if (found.manifest) return found.manifest.tools.map((tool) => tool.name);
  return found.placeholder ? undefined : workingTreeTools.map((tool) => tool.name);
}

/** Every tool a pinned release serves or the working tree defines, each once. */
function knownTools(releases: readonly ReleaseArtifacts[]): string[] {
  return [...new Set([...releases.flatMap((found) => toolsOf(found) ?? []), ...workingTreeTools.map((tool) => tool.name)])];
}

/**
 * Every release pinned in any slot of any API version, each once, in the
 * order pinned; the image's own (`fly.release`) runs without a tree, the
 * others from their packed server code. A release built before trees were
 * packed can only run as the image's own.
 */
function servedReleases(stack: string, config: StackConfig, order: string[], artifacts: Map<string, ReleaseArtifacts>): { release: string; tree?: { sha256: string; content: () => Buffer } }[] {
  const served = new Map<string, { release: string; tree?: { sha256: string; content: () => Buffer } }>();
  const untreed: string[] = [];
  for (const apiVersion of order) {
    for (const color of COLORS) {
      const found = artifacts.get(`${apiVersion}-${color}`)!;
      if (served.has(found.release)) continue;
      if (found.release === config.fly.release) served.set(found.release, { release: found.release });
      else if (!found.flyTree) untreed.push(`apiVersions.${apiVersion}.slots.${color}.release: ${found.release} has no packed Fly server code (built before releases carried it), so Fly machines can run it only as fly.release (expected a release rebuilt with npm run release:build, or fly.release: ${found.release})`);
      else served.set(found.release, { release: found.release, tree: { sha256: found.flyTree.sha256, content: found.flyTree.read } });
    }
  }
  if (untreed.length > 0) throw new StackConfigError(`stack ${stack}`, untreed);
  return [...served.values()];
}

/** Calls that name no release (clients of the Fly app itself) get what the first API version serves live. */
function directRelease(config: StackConfig, order: string[]): string {
  const first = config.apiVersions[order[0]!]!;
  return first.slots[first.live].release;
}

export function buildStack(config: StackConfig, deps: StackDeps): StackOutputs {
  // Find every release's artifacts first: a missing one stops the program before anything registers.
  const order = apiVersionsInOrder(config);
  const artifacts = new Map<string, ReleaseArtifacts>();
  for (const apiVersion of order) {
    for (const color of COLORS) artifacts.set(`${apiVersion}-${color}`, deps.releases.resolve(config.apiVersions[apiVersion]!.slots[color].release));
    const { live, canaryPercent } = config.apiVersions[apiVersion]!;
    const slot = (color: Color) => {
      const found = artifacts.get(`${apiVersion}-${color}`)!;
      return { color, release: found.release, migrations: found.worker?.migrations };
    };
    const idle = live === "blue" ? "green" : "blue";
    const refusal = canaryRefusal(apiVersion, canaryPercent, slot(live), slot(idle)) ?? slotRefusal(apiVersion, slot(live), slot(idle));
    if (refusal) throw new MigrationSplitError(refusal);
  }
  // A misspelt tool in auth.toolScopes would leave that tool unscoped; each Worker would refuse it at its first request.
  const misnamed = [...artifacts.values()].flatMap((found) => (config.auth && toolsOf(found) ? unknownToolScopes(config.auth, found.release, toolsOf(found)!) : []));
  // A misspelt tool in quotas.tools would leave that tool without its limits. Any pinned release's tool, or the tree's, is
  // accepted: a stack may limit a tool before the release that brings it goes live, and a release without it ignores the entry.
  if (config.quotas) misnamed.push(...unknownQuotaTools(config.quotas, "quotas", "a pinned release or this tree", knownTools([...artifacts.values()])));
  if (misnamed.length > 0) throw new StackConfigError(`stack ${deps.stack}`, [...new Set(misnamed)]);
  assertToolOverrides(deps.stack, config.modal, [...artifacts.values()]);
  // What the Fly machines will serve; a release they cannot run stops the program here too.
  const served = servedReleases(deps.stack, config, order, artifacts);

  const backup = new BackupBucket("backup", {
    bucketName: config.backup.bucket,
    region: config.backup.region,
    prefix: config.backup.prefix,
    noncurrentRetentionDays: config.backup.noncurrentRetentionDays,
    abortIncompleteUploadDays: config.backup.abortIncompleteUploadDays,
  });

  // Spans of all three platforms go to one collector; its headers (an API key) stay a secret everywhere.
  const telemetry = config.telemetry;
  const otlpEnv: Record<string, string> = telemetry?.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.otlpEndpoint } : {};
  const otlpSecret: Record<string, pulumi.Output<string>> = config.otlpHeaders ? { OTEL_EXPORTER_OTLP_HEADERS: pulumi.secret(config.otlpHeaders) } : {};
  const contentEnv: Record<string, string> = telemetry?.recordToolContent ? { MCP_TELEMETRY_CONTENT: "1" } : {};

  const trees = new ReleaseTrees("release-trees", {
    bucket: backup.bucketName,
    trees: served.flatMap((entry) => (entry.tree ? [{ release: entry.release, ...entry.tree }] : [])),
    direct: directRelease(config, order),
  });
  const size = FLY_MACHINE_SIZES[config.fly.machine.size];
  // Relative, like the Modal CLI's folder: the engine starts providers in the program's directory
  // (pulumi/pulumi pkg/engine/project.go, getPwdMain; plugin.go, cmd.Dir = pwd), so ".." is the project root there too.
  const projectDir = deps.projectDir ?? ".";
  const flyInputs = flyImageInputsOf(deps.releases.resolve(config.fly.release), resolve(projectDir));
  const imageTag = flyImageTag(config.fly.release, flyInputs.inputsSha256);
  const fly = new FlyService("fly", {
    appName: config.fly.app,
    org: config.fly.org,
    primaryRegion: config.fly.primaryRegion,
    regions: [...config.fly.regions],
    machine: { cpuKind: size.cpuKind, cpus: size.cpus, memoryMb: config.fly.machine.memoryMb },
    volumeSizeGb: config.fly.volumeSizeGb,
    image: flyImage(config.fly.app, imageTag),
    imageSource: {
      tag: imageTag,
      release: config.fly.release,
      ...flyInputs,
      ...(config.fly.imageFrom ? { copyFrom: config.fly.imageFrom } : {}),
      build: { projectDir, dockerfile: DOCKERFILE },
    },
    servedReleases: served.map(({ release, tree }) => (tree ? { release, tree: { key: trees.keys[release]!, sha256: tree.sha256 } } : { release })),
    directReleaseKey: DIRECT_RELEASE_KEY,
    releaseMemoryMb: config.fly.releaseMemoryMb,
    releaseTrees: trees,
    // Fly scrapes /metrics on this port every 15 s; the port is in no service, so it is not public.
    metrics: { port: 9091, path: "/metrics" },
    env: {
      MCP_RELEASE: config.fly.release,
      // Calls that reach Fly straight from a client, not through an edge color, are recorded as this color.
      MCP_COLOR: "direct",
      ...otlpEnv,
      ...contentEnv,
      LITESTREAM_BUCKET: backup.bucketName,
      LITESTREAM_REGION: backup.region,
      LITESTREAM_PREFIX: backup.prefix,
      // A call straight to a Fly region checks the user's token itself, for the Fly hostname (the edge's calls are signed instead);
      // the built-in server's tokens live in the edge's KV, which Fly cannot read: there Fly takes MCP only from the edge.
      ...(config.auth?.mode === "issuer" ? oauthVariables(config.auth, `https://${config.fly.app}.fly.dev`) : {}),
      ...(config.auth?.mode === "builtin" ? { [EDGE_ONLY_ENV]: `https://${config.domain}` } : {}),
      // Counted per region for the calls that reach a Fly region directly (app/src/runtimes/node.ts nodeQuotas).
      ...(config.quotas ? { MCP_QUOTAS: JSON.stringify(config.quotas) } : {}),
    },
    secrets: {
      MCP_UPSTREAM_SECRET: config.upstreamSecret,
      // Behind the built-in server, a Fly release older than MCP_EDGE_ORIGIN would serve MCP with no auth at all: a
      // bearer token only the edge's own key holders know closes it there (a current release answers 403 before it).
      ...(config.auth?.mode === "builtin" ? { MCP_AUTH_TOKEN: pulumi.interpolate`edge-only=${config.upstreamSecret}` } : {}),
      ...otlpSecret,
      LITESTREAM_ACCESS_KEY_ID: backup.accessKeyId,
      LITESTREAM_SECRET_ACCESS_KEY: backup.secretAccessKey,
    },
  });

  // One store for every API version and both colors: clients and grants outlive a cutover.
  const builtinAuth = config.auth?.mode === "builtin" ? config.auth : undefined;
  const oauthStore = builtinAuth ? new OAuthStore("oauth", { accountId: config.cloudflareAccountId, title: `mcp-${deps.stack}-oauth` }) : undefined;

  const urls: Record<string, pulumi.Output<string>> = {};
  const edges: Record<string, EdgeColors> = {};
  order.forEach((apiVersion, index) => {
    const version = config.apiVersions[apiVersion]!;
    const slots = {} as Record<Color, EdgeSlot>;
    for (const color of COLORS) {
      const release = artifacts.get(`${apiVersion}-${color}`)!;
      const modal = new ModalApp(`modal-${apiVersion}-${color}`, {
        appName: `${config.modal.appPrefix}-${apiVersion}-${color}`,
        environment: config.modal.environment,
        workspace: config.modal.workspace,
        webSuffix: config.modal.webSuffix,
        release: release.release,
        projectDir: deps.projectDir ?? ".",
        sourceDir: release.modalSourceDir,
        minContainers: config.modal.minContainers,
        scaledownWindow: config.modal.scaledownWindow,
        toolFunctions: toolFunctions(declaredCompute(release), config.modal),
        tokenId: config.modalTokenId,
        tokenSecret: config.modalTokenSecret,
        deployEnvironment: { MCP_UPSTREAM_SECRET: config.upstreamSecret, MCP_API_VERSION: apiVersion, MCP_COLOR: color, ...otlpEnv, ...otlpSecret },
      });
      slots[color] = { release: release.release, bundle: release.edgeBundle, modalUrl: modal.url };
    }
    // Both slots declare the same migrations (checked above); a placeholder's are the working tree's (the component's default).
    const livePlatform = artifacts.get(`${apiVersion}-${version.live}`)!.worker;
    const edge = new EdgeWorker(`edge-${apiVersion}`, {
      accountId: config.cloudflareAccountId,
      zoneId: config.zoneId,
      hostname: config.domain,
      apiVersion,
      route: version.route,
      scriptName: `mcp-${deps.stack}-${apiVersion}`,
      slots,
      ...(livePlatform ? { durableObjects: livePlatform.durableObjects, migrations: livePlatform.migrations } : {}),
      live: version.live,
      canaryPercent: version.canaryPercent,
      claimHostname: index === 0,
      flyOrigin: fly.origin,
      upstreamSecret: config.upstreamSecret,
      authToken: config.authToken,
      ...(config.auth?.mode === "issuer" ? { auth: config.auth } : {}),
      ...(builtinAuth && oauthStore
        ? {
            auth: {
              mode: "builtin" as const,
              upstream: builtinAuth.upstream,
              upstreamClientSecret: builtinAuth.upstream.clientSecret,
              kvNamespaceId: oauthStore.namespaceId,
              // The authorization server's paths are on the hostname, which the first version claims.
              serveAuthorizationServer: index === 0,
              scopes: builtinAuth.scopes,
              toolScopes: builtinAuth.toolScopes,
            },
          }
        : {}),
      rateLimitPerMinute: version.rateLimit?.callsPerMinute ?? config.rateLimit.callsPerMinute,
      ...(config.quotas ? { quotas: config.quotas } : {}),
      telemetry: {
        dataset: datasetOf(telemetry, deps.stack),
        ...(telemetry?.otlpEndpoint ? { otlpEndpoint: telemetry.otlpEndpoint } : {}),
        ...(config.otlpHeaders ? { otlpHeaders: config.otlpHeaders } : {}),
        ...(telemetry?.workersTraceDestinations ? { traceDestinations: telemetry.workersTraceDestinations } : {}),
        recordToolContent: telemetry?.recordToolContent ?? false,
      },
    });
    urls[apiVersion] = edge.url;
    const releases = { blue: slots.blue.release, green: slots.green.release };
    edges[apiVersion] = { scriptName: edge.scriptName, versionIds: edge.versionIds, releases, live: version.live, canaryPercent: version.canaryPercent };
  });

  const oauth = oauthStore ? { issuer: `https://${config.domain}`, accountId: config.cloudflareAccountId, kvNamespaceId: oauthStore.namespaceId } : undefined;
  return { urls, edge: edges, flyApp: fly.appName, backupBucket: backup.bucketName, ...(oauth ? { oauth } : {}) };
}
