/**
 * JSON shapes of the Fly Machines REST API (https://api.machines.dev/v1), as the
 * Machines API reference and fly-go's `flaps` client document them. Only the
 * fields this provider reads or writes are typed; Fly sends more.
 */

/** `GET /apps/{app}` */
export interface FlyAppBody {
  id: string;
  name: string;
  status?: string;
  network?: string;
  organization?: { name?: string; slug: string };
}

/** `POST /apps` (201) */
export interface FlyAppCreatedBody {
  id: string;
  created_at?: number;
}

/** `volumes[]` of `GET /apps/{app}/volumes`, and `GET/POST/PUT .../volumes/{id}` */
export interface FlyVolumeBody {
  id: string;
  name: string;
  state: string;
  size_gb: number;
  region: string;
  zone?: string;
  encrypted: boolean;
  attached_machine_id: string | null;
  attached_alloc_id?: string | null;
  created_at: string;
  snapshot_retention?: number;
  auto_backup_enabled?: boolean;
}

/** `PUT .../volumes/{id}/extend` */
export interface FlyVolumeExtendBody {
  volume: FlyVolumeBody;
  needs_restart: boolean;
}

export interface FlyMachineGuest {
  cpu_kind: string;
  cpus: number;
  memory_mb: number;
}

export interface FlyMachineMount {
  volume: string;
  path: string;
  name?: string;
}

export interface FlyMachinePort {
  port: number;
  handlers: string[];
  force_https?: boolean;
}

export interface FlyMachineService {
  protocol: "tcp" | "udp";
  internal_port: number;
  ports: FlyMachinePort[];
  autostart?: boolean;
  autostop?: "off" | "stop" | "suspend";
  min_machines_running?: number;
  concurrency?: { type: "connections" | "requests"; soft_limit?: number; hard_limit?: number };
}

/** A top-level check in `config.checks`; durations are Go duration strings ("15s"). */
export interface FlyMachineCheck {
  type: "http" | "tcp";
  port: number;
  interval?: string;
  timeout?: string;
  grace_period?: string;
  method?: string;
  path?: string;
  protocol?: "http" | "https";
}

/** The Machine `config` object. An update must send all of it: Fly has no partial update. */
export interface FlyMachineConfig {
  image: string;
  guest?: FlyMachineGuest;
  env?: Record<string, string>;
  mounts?: FlyMachineMount[];
  services?: FlyMachineService[];
  checks?: Record<string, FlyMachineCheck>;
  /** Where Fly's scraper reads Prometheus metrics every 15 s (fly.MachineMetrics in the Machines API spec). */
  metrics?: { port: number; path: string; https?: boolean };
  restart?: { policy: "no" | "always" | "on-failure"; max_retries?: number };
  metadata?: Record<string, string>;
  auto_destroy?: boolean;
  stop_config?: { signal?: string; timeout?: string };
}

/** Body of `POST /apps/{app}/machines` (create) and `POST .../machines/{id}` (update). */
export interface FlyMachineRequest {
  name?: string;
  region?: string;
  config: FlyMachineConfig;
  skip_launch?: boolean;
  min_secrets_version?: number;
  current_version?: string;
  lease_ttl?: number;
}

export interface FlyMachineBody {
  id: string;
  name: string;
  state: string;
  region: string;
  /**
   * The ID of the machine's current version (fly-go machine_types.go, `Version`). Read it with
   * `machineVersion()`: the OpenAPI Machine schema lists only `instance_id`.
   */
  version?: string;
  /** The same ID under its older name ("unique for each version of the machine", fly-go machine_types.go). */
  instance_id?: string;
  private_ip?: string;
  config: FlyMachineConfig;
  created_at?: string;
  updated_at?: string;
  nonce?: string;
  /** Status of each check of `config.checks`, once the machine runs. */
  checks?: Array<{ name: string; status: "passing" | "warning" | "critical" | string; output?: string }>;
}

/** The version ID of a machine: `version`, else the deprecated `instance_id` (one ID, two names). */
export function machineVersion(machine: Pick<FlyMachineBody, "version" | "instance_id">): string {
  return machine.version || machine.instance_id || "";
}

/** `GET .../machines/{id}/wait` (OpenAPI WaitMachineResponse) */
export interface FlyMachineWaitBody {
  ok: boolean;
  state?: string;
  version?: string;
  event_id?: string;
}

/** `POST/GET .../machines/{id}/lease` */
export interface FlyLeaseBody {
  status?: string;
  message?: string;
  code?: string;
  data?: { nonce: string; expires_at: number; owner: string; version?: string };
}

/** `POST /apps/{app}/ip_assignments` */
export interface FlyIpAssignRequest {
  type: FlyIpType;
  region?: string;
  org_slug?: string;
  network?: string;
  service_name?: string;
}

/** Address types accepted by `POST /apps/{app}/ip_assignments` (flyctl `fly ips allocate-*`). */
export type FlyIpType = "v4" | "v6" | "shared_v4" | "private_v6";

export interface FlyIpAssignmentBody {
  ip: string;
  region: string;
  service_name?: string;
  shared: boolean;
  created_at?: string;
}

/** `GET /apps/{app}/ip_assignments` */
export interface FlyIpListBody {
  ips: FlyIpAssignmentBody[];
}

export interface FlySecretBody {
  name: string;
  digest?: string;
  created_at?: string;
  updated_at?: string;
}

/** `POST /apps/{app}/secrets` → `{ secrets, version }`; `GET` → `{ secrets }` */
export interface FlySecretsBody {
  secrets: FlySecretBody[];
  version?: number;
}
