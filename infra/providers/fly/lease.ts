/**
 * Machine leases: an exclusive lock on changing one machine. Take one
 * (`POST .../lease`), send its nonce in `fly-machine-lease-nonce` with every
 * change, release it (`DELETE .../lease`) when done, even after a failure.
 */
import type { FlyLeaseBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import { isStatus } from "./errors.ts";
import { backoffDelay } from "./timing.ts";

export const leaseNonceHeader = "fly-machine-lease-nonce";

export class FlyLeaseConflictError extends Error {
  constructor(appName: string, machineId: string, attempts: number, flyMessage: string) {
    super(
      `Machine ${machineId} of app ${appName} is leased by someone else (${flyMessage}); ` +
        `gave up after ${attempts} tries. Another deploy or a \`fly\` command may be changing it: ` +
        `wait for it to finish, or release the lease with \`fly machine leases clear ${machineId} -a ${appName}\`.`,
    );
    this.name = "FlyLeaseConflictError";
  }
}

export interface Lease {
  nonce: string;
  /** Headers that prove we hold the lease. */
  headers: Record<string, string>;
}

async function acquire(client: FlyClient, appName: string, machineId: string): Promise<Lease> {
  const { timing } = client;
  const path = `/apps/${seg(appName)}/machines/${seg(machineId)}/lease`;
  for (let attempt = 1; ; attempt++) {
    try {
      const { body } = await client.request<FlyLeaseBody>("POST", path, {
        body: { ttl: timing.leaseTtlSeconds, description: "mcp-hosting pulumi" },
        idempotent: false,
      });
      const nonce = body?.data?.nonce;
      if (!nonce) throw new Error(`Fly returned a lease for machine ${machineId} without a nonce`);
      return { nonce, headers: { [leaseNonceHeader]: nonce } };
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      if (attempt >= timing.leaseConflict.attempts) {
        throw new FlyLeaseConflictError(appName, machineId, attempt, error.flyMessage);
      }
      await timing.sleep(backoffDelay(timing.leaseConflict, attempt, timing.random));
    }
  }
}

async function release(client: FlyClient, appName: string, machineId: string, lease: Lease): Promise<void> {
  const path = `/apps/${seg(appName)}/machines/${seg(machineId)}/lease`;
  try {
    await client.request("DELETE", path, { headers: lease.headers, idempotent: true });
  } catch (error) {
    // A destroyed machine takes its lease with it; an expired lease is no one's.
    if (!isStatus(error, 404, 410)) throw error;
  }
}

/** Runs `change` while holding the machine's lease, and releases the lease afterwards. */
export async function withMachineLease<T>(
  client: FlyClient,
  appName: string,
  machineId: string,
  change: (lease: Lease) => Promise<T>,
): Promise<T> {
  const lease = await acquire(client, appName, machineId);
  let result: T;
  try {
    result = await change(lease);
  } catch (error) {
    await release(client, appName, machineId, lease).catch(() => undefined);
    throw error;
  }
  await release(client, appName, machineId, lease);
  return result;
}
