/**
 * FlyService: the MCP server's stateful tier on Fly.io. One app, the release's
 * image in its registry, public IPs, app secrets, and in every region a volume
 * and a machine that mounts it. One
 * region is the writer (`PRIMARY_REGION`); the others replay writes to it.
 * Machines roll one region at a time, primary first: Fly allows neither
 * blue-green nor canaries for machines with volumes.
 *
 * So the colors live inside the machines: each runs a release host
 * (app/src/runtimes/release-host/) that serves every release pinned in any
 * slot side by side, one process each, over the region's one database, and
 * answers each edge call with the release the call was signed for. A pin that
 * changes the served set changes the machines' env: one update per region,
 * rolled as above; the image changes only with the host runtime (`release`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { MachineGuestSpec } from "../providers/fly/machine-config.ts";
import type { FlyImageInputs } from "../providers/fly/image.ts";
import {
  FlyApp,
  FlyImage,
  FlyIpAssignment,
  FlyMachine,
  FlySecrets,
  FlyVolume,
  type FlyMachineArgs,
  type FlyVolumeArgs,
} from "../providers/fly/resources.ts";

/**
 * Adjusts what the component creates without forking it: either args merged
 * over the component's, or a function that edits args and options in place.
 */
export type Transform<T> = Partial<T> | ((args: T, opts: pulumi.CustomResourceOptions, name: string) => void);

export interface FlyServiceArgs {
  /**
   * The Fly app name; unique across all of Fly.io, and the `<app>.fly.dev` host.
   * @example "mcp-hosting-prod"
   */
  appName: string;
  /**
   * Slug of the Fly organization that owns the app.
   * @example "personal"
   */
  org: string;
  /**
   * The single writer region. It must be one of `regions`, and it rolls first.
   * @example "ams"
   */
  primaryRegion: string;
  /**
   * Every region that runs a machine (with its own volume).
   * @example ["ams", "iad", "sin", "syd"]
   */
  regions: string[];
  /**
   * The size of each machine.
   * @example { cpuKind: "shared", cpus: 1, memoryMb: 512 }
   */
  machine: MachineGuestSpec;
  /**
   * Size of each region's `data` volume, mounted at `/data`. It can grow later, never shrink.
   * @example 1
   */
  volumeSizeGb: number;
  /**
   * The image every machine runs.
   * @example "registry.fly.io/mcp-hosting-prod:rel-2024-06-01-abc123"
   */
  image: pulumi.Input<string>;
  /**
   * How `image` gets into the app's registry, after the app exists and before
   * any machine runs it (FlyImage: kept when there, else copied from
   * `copyFrom`, else built here from the release's own sources).
   * @default undefined (the image is taken as it is, e.g. one of another registry)
   * @example { tag: "r-3f9a1c7e2b4d", release: "r-3f9a1c7e2b4d", inputsSha256: manifest.fly.inputsSha256, build: { projectDir: "/work", dockerfile: "app/Dockerfile" } }
   */
  imageSource?: Omit<FlyImageInputs, "appName" | "apiBaseUrl" | "registryUrl">;
  /**
   * The release id, recorded on each machine as metadata `mcp_hosting_release`.
   * @default the image's tag
   * @example "rel-2024-06-01-abc123"
   */
  release?: pulumi.Input<string>;
  /**
   * Every release the machines serve side by side: the edge slots' releases.
   * One without `tree` runs from the image (it must be `release`); the others
   * from their packed server code, which each machine fetches from the backup
   * bucket by `key` and runs only if its sha256 matches.
   * @default [{ release }] (the image's own release alone)
   * @example [{ release: "r-3f9a1c7e2b4d" }, { release: "r-8c2e5a1f9d07", tree: { key: "releases/r-8c2e5a1f9d07/server-tree-5e1f….json.gz", sha256: "5e1f…" } }]
   */
  servedReleases?: { release: string; tree?: { key: string; sha256: string } }[];
  /**
   * The object of the backup bucket that names the release a call naming none
   * gets (a client of the Fly app itself); the machines read it every 30 s,
   * so a cutover moves those calls without a machine update.
   * @default none: such calls get `release` when served, else the first served release
   * @example "releases/direct.json"
   */
  directReleaseKey?: string;
  /**
   * Resident memory above which a machine restarts one release's process.
   * @default 256
   */
  releaseMemoryMb?: number;
  /**
   * What must exist before a machine may start: the served releases' trees in the bucket.
   * @default none
   */
  releaseTrees?: pulumi.Resource;
  /**
   * Plain environment variables of every machine. `PRIMARY_REGION` is set by the component.
   * @default {}
   * @example { LOG_LEVEL: "info", LITESTREAM_BUCKET: bucket.bucket }
   */
  env?: Record<string, pulumi.Input<string>>;
  /**
   * App secrets. They stay Pulumi secrets end to end, and a change rolls the machines.
   * @default {} (no FlySecrets resource)
   * @example { LITESTREAM_ACCESS_KEY_ID: key.id, LITESTREAM_SECRET_ACCESS_KEY: key.secret, MCP_UPSTREAM_SECRET: upstream.result }
   */
  secrets?: Record<string, pulumi.Input<string>>;
  /**
   * The port the server listens on inside the machine.
   * @default 8080
   */
  internalPort?: number;
  /**
   * Where each machine serves Prometheus metrics, for Fly's built-in scraping
   * (every 15 s, into Prometheus on Fly.io). The port is in no service, so
   * Fly's proxy never exposes it; `MCP_METRICS_PORT` tells the server.
   * @default undefined (not scraped)
   * @example { port: 9091, path: "/metrics" }
   */
  metrics?: { port: number; path: string };
  /**
   * The Machines API base URL (tests point it at a fake).
   * @default env FLY_API_BASE_URL, else "https://api.machines.dev/v1"
   */
  apiBaseUrl?: string;
  /**
   * The registry's base URL (tests point it at a fake).
   * @default env FLY_REGISTRY_URL, else "https://registry.fly.io"
   */
  registryUrl?: string;
  /**
   * Hooks to adjust the child resources.
   * @example { machine: (args) => { args.autostop = "suspend"; } }
   */
  transform?: {
    machine?: Transform<FlyMachineArgs>;
    volume?: Transform<FlyVolumeArgs>;
  };
}

/** The mount path of each region's volume. */
export const dataPath = "/data";

function applyTransform<T extends object>(
  transform: Transform<T> | undefined,
  name: string,
  args: T,
  opts: pulumi.CustomResourceOptions,
): [T, pulumi.CustomResourceOptions] {
  if (typeof transform === "function") transform(args, opts, name);
  else if (transform) Object.assign(args, transform);
  return [args, opts];
}

/** The regions in rolling order: the primary first, then the others as given. */
export function rollingOrder(primaryRegion: string, regions: string[]): string[] {
  if (regions.length === 0) throw new Error("FlyService: regions is empty; give at least the primary region");
  const duplicates = regions.filter((region, i) => regions.indexOf(region) !== i);
  if (duplicates.length > 0) throw new Error(`FlyService: regions lists ${duplicates.join(", ")} more than once`);
  if (!regions.includes(primaryRegion)) {
    throw new Error(`FlyService: primaryRegion "${primaryRegion}" is not one of regions [${regions.join(", ")}]`);
  }
  return [primaryRegion, ...regions.filter((region) => region !== primaryRegion)];
}

export class FlyService extends pulumi.ComponentResource {
  readonly appName: pulumi.Output<string>;
  /** `<app>.fly.dev` */
  readonly hostname: pulumi.Output<string>;
  /** `https://<app>.fly.dev` */
  readonly origin: pulumi.Output<string>;
  /** Machine id per region. */
  readonly machineIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: FlyServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-hosting:fly:Service", name, {}, opts);
    const order = rollingOrder(args.primaryRegion, args.regions);
    const api = { apiBaseUrl: args.apiBaseUrl };
    const internalPort = args.internalPort ?? 8080;
    const release = args.release ?? pulumi.output(args.image).apply((image) => image.split(":").at(-1) ?? image);
    const guest = args.machine;
    const child = { parent: this };

    const app = new FlyApp(`${name}-app`, { ...api, name: args.appName, org: args.org }, child);
    const appName = app.name;
    // The app's repository exists once the app does; every machine waits for the image in it.
    const registry = args.registryUrl ? { registryUrl: args.registryUrl } : {};
    const image = args.imageSource ? new FlyImage(`${name}-image`, { ...api, ...registry, appName, ...args.imageSource }, { parent: this, dependsOn: [app] }) : undefined;
    const ipOpts = { parent: this, dependsOn: [app] };
    new FlyIpAssignment(`${name}-ipv6`, { ...api, appName, type: "v6" }, ipOpts);
    new FlyIpAssignment(`${name}-ipv4`, { ...api, appName, type: "shared_v4" }, ipOpts);

    const secretValues = args.secrets ?? {};
    const secrets =
      Object.keys(secretValues).length > 0
        ? new FlySecrets(`${name}-secrets`, { ...api, appName, values: pulumi.secret(pulumi.all(secretValues)) }, child)
        : undefined;

    const served = args.servedReleases;
    const releasesEnv = served
      ? {
          MCP_RELEASES: JSON.stringify(served),
          ...(args.directReleaseKey ? { MCP_DIRECT_RELEASE_KEY: args.directReleaseKey } : {}),
          MCP_RELEASE_MEMORY_MB: String(args.releaseMemoryMb ?? 256),
        }
      : {};
    const env = pulumi.all({ ...args.env, ...releasesEnv, PRIMARY_REGION: args.primaryRegion, ...(args.metrics ? { MCP_METRICS_PORT: String(args.metrics.port) } : {}) });
    // What each machine serves, readable in `fly machine status` and in the offline plan.
    const metadata = served ? { mcp_hosting_releases: served.map((entry) => entry.release).join(",") } : undefined;
    const machineIds: Record<string, pulumi.Output<string>> = {};
    let previous: FlyMachine | undefined;
    for (const region of order) {
      const [volumeArgs, volumeOpts] = applyTransform<FlyVolumeArgs>(
        args.transform?.volume,
        `${name}-volume-${region}`,
        { ...api, appName, name: "data", region, sizeGb: args.volumeSizeGb, compute: { cpu_kind: guest.cpuKind, cpus: guest.cpus, memory_mb: guest.memoryMb } },
        { parent: this, dependsOn: [app] },
      );
      const volume = new FlyVolume(`${name}-volume-${region}`, volumeArgs, volumeOpts);

      const [machineArgs, machineOpts] = applyTransform<FlyMachineArgs>(
        args.transform?.machine,
        `${name}-machine-${region}`,
        {
          ...api,
          appName,
          name: `app-${region}`,
          region,
          image: args.image,
          guest,
          env,
          mount: volume.volumeId.apply((volumeId) => ({ volume: volumeId, path: dataPath })),
          internalPort,
          ...(args.metrics ? { metrics: args.metrics } : {}),
          release,
          ...(metadata ? { metadata } : {}),
          minSecretsVersion: secrets?.version,
        },
        // Rolling: each machine waits for the previous region's machine; the first for the secrets, the image and the release trees.
        { parent: this, dependsOn: previous ? [previous] : [secrets ?? app, ...(image ? [image] : []), ...(args.releaseTrees ? [args.releaseTrees] : [])] },
      );
      const machine = new FlyMachine(`${name}-machine-${region}`, machineArgs, machineOpts);
      machineIds[region] = machine.machineId;
      previous = machine;
    }

    this.appName = appName;
    this.hostname = pulumi.interpolate`${appName}.fly.dev`;
    this.origin = pulumi.interpolate`https://${this.hostname}`;
    this.machineIds = pulumi.all(machineIds);
    this.registerOutputs({ appName: this.appName, hostname: this.hostname, origin: this.origin, machineIds: this.machineIds });
  }
}
