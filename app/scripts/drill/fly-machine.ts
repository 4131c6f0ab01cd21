import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RELEASE_HOST_READY } from "../../src/runtimes/release-host/ready-line.ts";
import { spawnServing, type ServingProcess } from "../serving-process.ts";

/** The Fly image's entry point, run here outside Docker. */
export const START_SCRIPT = fileURLToPath(new URL("../../fly/start.sh", import.meta.url));
/** The image's Litestream configuration. */
export const LITESTREAM_CONFIG = fileURLToPath(new URL("../../fly/litestream.yml", import.meta.url));

/** The Litestream binary the app package installs (the same one the image copies). */
export function litestreamBinary(): string {
  const manifest = createRequire(import.meta.url).resolve("@flydotio/litestream-linux-x64/package.json");
  return join(dirname(manifest), "litestream");
}

export interface FlyMachineOptions {
  /** The machine's volume. */
  dataDir: string;
  /** Extra environment: the replica URL, the region, credentials. */
  env?: Record<string, string>;
  /** @default 0 (a free port) */
  port?: number;
  /** How long the restore and the server's start may take. @default 30000 */
  startTimeoutMs?: number;
}

/** Litestream (after the start script's `exec`) and the server it runs. */
export type FlyMachine = ServingProcess;

/**
 * Runs `app/fly/start.sh` as the image would, in its own process group so a
 * kill takes Litestream and the server down together, as a lost machine does.
 * The server listens on loopback; Litestream and Node are the ones this
 * checkout runs.
 */
export function startFlyMachine(options: FlyMachineOptions): Promise<FlyMachine> {
  return spawnServing("sh", [START_SCRIPT], {
    detached: true,
    timeoutMs: options.startTimeoutMs ?? 30_000,
    // The machine's own port, not the one its release's server relays first.
    ready: RELEASE_HOST_READY,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(options.port ?? 0),
      MCP_DATA_DIR: options.dataDir,
      MCP_START_COMPUTE: "0",
      LITESTREAM: litestreamBinary(),
      NODE: process.execPath,
      ...options.env,
    },
  });
}
