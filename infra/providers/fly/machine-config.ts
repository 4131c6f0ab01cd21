/**
 * The typed description of one machine (`MachineSpec`) and the one function that
 * turns it into Fly's complete machine `config`. Create and update both send
 * the whole of it: the Machines API has no partial update.
 */
import type { FlyMachineConfig } from "./api-types.ts";
import { hasUnknown } from "./diff.ts";

export interface MachineGuestSpec {
  cpuKind: "shared" | "performance";
  cpus: number;
  /** A multiple of 256. */
  memoryMb: number;
}

export interface MachineSpec {
  /** Region code, e.g. `ams`; fixed for the machine's life. */
  region: string;
  /** Unique within the app; fixed for the machine's life. */
  name: string;
  /** e.g. `registry.fly.io/<app>:<release>` */
  image: string;
  guest: MachineGuestSpec;
  env?: Record<string, string>;
  /** The one volume a machine may mount; which volume is fixed for the machine's life. */
  mount?: { volume: string; path: string };
  /** The port the process listens on; Fly's proxy serves 80 (redirect) and 443 in front of it. */
  internalPort: number;
  /** Path of the HTTP health check. @default "/healthz" */
  healthCheckPath?: string;
  /** @default "always" */
  restartPolicy?: "always" | "on-failure" | "no";
  /** Release id, recorded as metadata `mcp_hosting_release`. */
  release?: string;
  /** Extra metadata; Fly uses metadata for routing and process groups. */
  metadata?: Record<string, string>;
  /** What Fly's proxy does to an idle machine. @default "off" */
  autostop?: "off" | "stop" | "suspend";
  /** A Prometheus endpoint for Fly's built-in scraping (docs: Metrics on Fly.io, "Custom Metrics"). @default none */
  metrics?: { port: number; path: string };
}

/** Metadata key that tags a machine as ours; create adopts by it after an ambiguous failure. */
export const machineTagKey = "mcp_hosting_machine";

export function machineConfig(spec: MachineSpec): FlyMachineConfig {
  const port = spec.internalPort;
  return {
    image: spec.image,
    guest: { cpu_kind: spec.guest.cpuKind, cpus: spec.guest.cpus, memory_mb: spec.guest.memoryMb },
    env: { ...spec.env },
    mounts: spec.mount ? [{ volume: spec.mount.volume, path: spec.mount.path }] : [],
    services: [
      {
        protocol: "tcp",
        internal_port: port,
        autostart: true,
        autostop: spec.autostop ?? "off",
        ports: [
          { port: 80, handlers: ["http"], force_https: true },
          { port: 443, handlers: ["tls", "http"] },
        ],
      },
    ],
    checks: {
      healthz: {
        type: "http",
        port,
        method: "GET",
        path: spec.healthCheckPath ?? "/healthz",
        protocol: "http",
        interval: "15s",
        timeout: "5s",
        grace_period: "10s",
      },
    },
    ...(spec.metrics ? { metrics: { port: spec.metrics.port, path: spec.metrics.path } } : {}),
    restart: { policy: spec.restartPolicy ?? "always" },
    metadata: {
      ...spec.metadata,
      // What flyctl expects of an app machine, so `fly deploy`/`fly status` understand it.
      fly_platform_version: "v2",
      fly_process_group: "app",
      mcp_hosting_region: spec.region,
      ...(spec.release ? { mcp_hosting_release: spec.release } : {}),
      [machineTagKey]: spec.name,
    },
  };
}

/**
 * The problems of a spec that Fly would reject, as `[property, reason]` pairs.
 * Values not known yet (preview) are checked at `up`.
 */
export function specProblems(spec: Partial<MachineSpec>): Array<[string, string]> {
  const problems = specProblemsOfKnown(spec);
  return problems.filter(([property]) => !hasUnknown(spec[property as keyof MachineSpec]));
}

function specProblemsOfKnown(spec: Partial<MachineSpec>): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  if (!/^[a-z]{3}$/.test(spec.region ?? "")) problems.push(["region", "a Fly region is a three-letter code such as `ams`"]);
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(spec.name ?? "")) problems.push(["name", "a machine name is lowercase letters, digits and dashes"]);
  if (!spec.image) problems.push(["image", "an image reference is required"]);
  const guest = spec.guest;
  if (!guest || !["shared", "performance"].includes(guest.cpuKind)) problems.push(["guest", "cpuKind is `shared` or `performance`"]);
  else if (!Number.isInteger(guest.cpus) || guest.cpus < 1) problems.push(["guest", "cpus is a whole number, at least 1"]);
  else if (!Number.isInteger(guest.memoryMb) || guest.memoryMb < 256 || guest.memoryMb % 256 !== 0) {
    problems.push(["guest", "memoryMb is a multiple of 256"]);
  }
  const port = spec.internalPort;
  if (!Number.isInteger(port) || (port ?? 0) < 1 || (port ?? 0) > 65535) problems.push(["internalPort", "a TCP port, 1–65535"]);
  if (spec.mount && !String(spec.mount.path).startsWith("/")) problems.push(["mount", "the mount path is absolute, e.g. /data"]);
  const metrics = spec.metrics;
  if (metrics && (!Number.isInteger(metrics.port) || metrics.port < 1 || metrics.port > 65535 || !String(metrics.path).startsWith("/"))) {
    problems.push(["metrics", "a TCP port, 1–65535, and an absolute path, e.g. { port: 9091, path: \"/metrics\" }"]);
  }
  return problems;
}
