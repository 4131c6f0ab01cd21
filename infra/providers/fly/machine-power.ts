/**
 * Bringing a machine up and down: waiting until a started machine serves
 * (running and healthy), stopping one under its lease, and restarting one whose
 * volume grew.
 */
import { machineVersion, type FlyMachineBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import { FlyDeadlineError } from "./errors.ts";
import { waitForPassingChecks } from "./health.ts";
import { withMachineLease, type Lease } from "./lease.ts";
import { waitForMachineState } from "./wait.ts";

export interface Serving {
  appName: string;
  machineId: string;
  /** The version that must come up (`machineVersion()` of the create or update answer). */
  version: string;
  /** Names of the checks of its config that must pass. */
  checkNames: string[];
  justCreated?: boolean;
}

/**
 * Waits until the machine has started and its checks pass. It waits for
 * `started` or `failed`, so a machine that cannot start fails at once rather
 * than at the deadline (docs machines/machine-states.html.markerb: `failed`,
 * "Machine encountered an error and could not start successfully").
 */
export async function waitUntilServing(client: FlyClient, serving: Serving): Promise<void> {
  const { appName, machineId } = serving;
  const reached = await waitForMachineState(client, {
    appName, machineId, state: ["started", "failed"], version: serving.version, justCreated: serving.justCreated,
  });
  if (reached === "failed") {
    throw new Error(
      `Machine ${machineId} of app ${appName} could not start (Fly reports state "failed"); ` +
        `its logs tell why: \`fly logs -a ${appName} --machine ${machineId}\``,
    );
  }
  await waitForPassingChecks(client, appName, machineId, serving.checkNames);
}

const machinePath = (appName: string, machineId: string) => `/apps/${seg(appName)}/machines/${seg(machineId)}`;

/** Stops a running machine and waits (at most 5 minutes) until it has stopped. */
export async function stopMachine(client: FlyClient, appName: string, machine: FlyMachineBody, lease: Lease): Promise<void> {
  await client.request("POST", `${machinePath(appName, machine.id)}/stop`, { body: {}, headers: lease.headers, idempotent: true });
  await waitForMachineState(client, {
    appName, machineId: machine.id, state: "stopped", version: machineVersion(machine),
    deadlineMs: Math.min(client.timing.deadlineMs, 5 * 60_000),
  });
}

/**
 * A volume extend answered `needs_restart`: docs machines/api/volumes-resource.html.markerb, "If
 * `needs_restart` is true, then your Machine needs to be restarted to make use of the added space";
 * flyctl (internal/command/volumes/extend.go) only prints "You will need to stop and start your
 * Machine". We manage the machine, so we do it: under its lease, a started machine is stopped and
 * started and must serve again. A suspended one is only stopped: its snapshot would resume the old
 * file system, and a stop discards the snapshot (docs reference/suspend-resume.html.md, "Force a
 * cold start (discard snapshot)"); Fly starts it cold when traffic comes. A stopped machine sees the
 * new size at its next start anyway.
 */
export async function restartForGrownVolume(client: FlyClient, appName: string, machineId: string): Promise<void> {
  await withMachineLease(client, appName, machineId, async (lease) => {
    const { body: machine } = await client.request<FlyMachineBody>("GET", machinePath(appName, machineId), { idempotent: true });
    if (machine.state === "suspended") return await stopMachine(client, appName, machine, lease);
    if (machine.state !== "started") return;
    await stopMachine(client, appName, machine, lease);
    await client.request("POST", `${machinePath(appName, machineId)}/start`, { body: {}, headers: lease.headers, idempotent: true });
    const checkNames = Object.keys(machine.config.checks ?? {});
    await waitUntilServing(client, { appName, machineId, version: machineVersion(machine), checkNames });
  });
}

/** Stops the machine (a slow stop is not an error: the forced destroy that follows finishes it). */
export async function stopForDestroy(client: FlyClient, appName: string, machine: FlyMachineBody, lease: Lease): Promise<void> {
  if (["stopped", "suspended", "created"].includes(machine.state)) return;
  try {
    await stopMachine(client, appName, machine, lease);
  } catch (error) {
    if (!(error instanceof FlyDeadlineError)) throw error;
  }
}
