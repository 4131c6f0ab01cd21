/**
 * Fly's proxy for the fake Fly account: `<app>.fly.dev` reaches a started
 * machine of the app, which runs what its image holds. The image is taken from
 * the fake registry (its one layer unpacked, its config's Env, WorkingDir and
 * Cmd), so a machine runs exactly what was pushed, `start.sh` and Litestream
 * included, with the machine's env and the app's secrets as Fly sets them
 * (FLY_APP_NAME, FLY_REGION, FLY_MACHINE_ID) and its volume as MCP_DATA_DIR.
 * A `fly-replay: region=<r>` answer is sent again to that region's machine, as
 * Fly's proxy does (docs networking/dynamic-request-routing).
 *
 * What the fake changes so it can run here: the machine listens on a free
 * loopback port, not 8080; the process runs as this user (no MCP_RUN_AS);
 * Litestream streams to a file replica under the rehearsal's folder instead of
 * S3, and Node is the project's; `node_modules` is the project's install; the
 * release trees come from the fake S3 with one of the account's keys.
 */
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FakeFlyApi } from "../../fixtures/fake-fly-api.ts";
import type { FakeMachine } from "../../fixtures/fake-fly-api/model.ts";
import { parseFlyImage } from "../../fixtures/fake-fly-api/registry.ts";
import type { Site } from "../internet/proxy.ts";
import { forward, freePort, startServing, stopAll, stopServing, type Served } from "./processes.ts";

export interface FlyServing {
  site: Site;
  /** Which machine answered each request, and the release it was signed for (none: a direct client). */
  served: { app: string; region: string; machine: string; image: string; path: string; release: string | undefined; status: number }[];
  stop(): Promise<void>;
}

interface ImageConfig {
  Env?: string[];
  Cmd?: string[];
  WorkingDir?: string;
}

/** Where the machines read the release trees: the fake S3, with a key it knows. */
export interface MachineS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export function flyServing(api: FakeFlyApi, options: { dir: string; project: string; env: NodeJS.ProcessEnv; s3: MachineS3 }): FlyServing {
  const running = new Map<string, Promise<Served>>();
  const served: FlyServing["served"] = [];

  /** The image's files and config, unpacked once per digest. */
  const unpack = (image: string): { dir: string; config: ImageConfig } => {
    const ref = parseFlyImage(image);
    const manifest = ref && api.registry.lookup(ref.repo, ref.reference);
    if (!manifest) throw new Error(`no image ${image} in the registry`);
    const body = JSON.parse(manifest.bytes.toString("utf8")) as { config: { digest: string }; layers: { digest: string }[] };
    const config = (JSON.parse(api.registry.blobs.get(body.config.digest)!.toString("utf8")) as { config: ImageConfig }).config;
    const dir = join(options.dir, "images", manifest.digest.replace(":", "-"));
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      for (const layer of body.layers) {
        const tar = spawnSync("tar", ["-xzf", "-", "-C", dir], { input: api.registry.blobs.get(layer.digest) });
        if (tar.status !== 0) throw new Error(`cannot unpack ${image}: ${tar.stderr.toString()}`);
      }
      symlinkSync(join(options.project, "node_modules"), join(dir, "node_modules"), "dir");
    }
    return { dir, config };
  };

  const start = async (machine: FakeMachine): Promise<Served> => {
    const image = String(machine.config.image);
    const { dir, config } = unpack(image);
    const app = api.model.apps.get(machine.appName)!;
    const env = Object.fromEntries((config.Env ?? []).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
    delete env["MCP_RUN_AS"];
    const machineEnv = (machine.config["env"] ?? {}) as Record<string, string>;
    const volume = machine.config.mounts?.[0]?.volume ?? machine.id;
    const backups = join(options.dir, "backups", machine.appName);
    const primary = machineEnv["PRIMARY_REGION"] ?? machine.region;
    const [port, metricsPort] = [await freePort(), await freePort()];
    const data = join(options.dir, "volumes", volume);
    mkdirSync(data, { recursive: true });
    const fullEnv = {
      ...options.env,
      ...env,
      ...machineEnv,
      ...Object.fromEntries(app.secrets),
      FLY_APP_NAME: machine.appName,
      FLY_REGION: machine.region,
      FLY_MACHINE_ID: machine.id,
      HOST: "127.0.0.1",
      PORT: String(port),
      MCP_METRICS_PORT: String(metricsPort),
      MCP_DATA_DIR: data,
      LITESTREAM: join(options.project, "node_modules", "@flydotio", "litestream-linux-x64", "litestream"),
      LITESTREAM_REPLICA_URL: pathToFileURL(join(backups, machine.region, "mcp.sqlite")).href,
      // The release host reads release trees from the backup bucket: here the fake S3, which knows only the
      // account's keys (not the backup user's key the stand-in pulumi made up), so the machine uses one of those.
      LITESTREAM_ENDPOINT: options.s3.endpoint,
      LITESTREAM_ACCESS_KEY_ID: options.s3.accessKeyId,
      LITESTREAM_SECRET_ACCESS_KEY: options.s3.secretAccessKey,
      ...(machine.region === primary ? {} : { MCP_FOLLOW_REPLICA_URL: pathToFileURL(join(backups, primary, "mcp.sqlite")).href }),
    };
    const workdir = config.WorkingDir ?? "/";
    const local = (path: string) => (path.startsWith(`${workdir}/`) ? join(dir, path.slice(workdir.length + 1)) : path);
    const [command = "sh", ...args] = (config.Cmd ?? []).map(local);
    const origin = `http://127.0.0.1:${port}`;
    return await startServing(command, args, {
      cwd: dir,
      env: fullEnv,
      what: `machine ${machine.id} of ${machine.appName} (${machine.region}, ${image})`,
      ready: async () => ((await fetch(`${origin}/healthz`).then((r) => r.ok).catch(() => false)) ? origin : undefined),
    });
  };

  const processOf = (machine: FakeMachine) => {
    const key = `${machine.id}:${machine.version}`;
    for (const [other, process] of running) {
      // A machine updated since: its old process goes, as Fly replaces the instance.
      if (other.startsWith(`${machine.id}:`) && other !== key) {
        running.delete(other);
        void process.then(stopServing, () => {});
      }
    }
    let process = running.get(key);
    if (!process) {
      process = start(machine);
      running.set(key, process);
    }
    return process;
  };

  const pick = (appName: string, region?: string): FakeMachine | undefined => {
    const machines = api.model.machinesOf(appName).filter((m) => m.state === "started");
    const primary = (m: FakeMachine) => ((m.config["env"] ?? {}) as Record<string, string>)["PRIMARY_REGION"] === m.region;
    return machines.find((m) => m.region === region) ?? machines.find(primary) ?? machines[0];
  };

  const site: Site = async (request) => {
    const url = new URL(request.url);
    const appName = url.hostname.replace(/\.fly\.dev$/, "");
    const copy = request.clone();
    let machine = pick(appName);
    if (!machine) return new Response(`no started machine of ${appName}`, { status: 503 });
    let response = await forward(request, (await processOf(machine)).origin);
    const replay = /region=([a-z]+)/.exec(response.headers.get("fly-replay") ?? "")?.[1];
    if (replay && replay !== machine.region) {
      machine = pick(appName, replay) ?? machine;
      response = await forward(copy, (await processOf(machine)).origin, { "fly-replay-src": `region=${machine.region}` });
    }
    served.push({ app: appName, region: machine.region, machine: machine.id, image: String(machine.config.image), path: url.pathname, release: request.headers.get("x-mcp-release") ?? undefined, status: response.status });
    return response;
  };

  return {
    site,
    served,
    stop: () => stopAll(running),
  };
}
