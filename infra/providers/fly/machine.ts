/**
 * FlyMachine: `/apps/{app}/machines`. Create waits for `started` and passing
 * health checks; update takes the lease, sends the complete config, waits for
 * the new instance to start and pass its checks, and releases the lease; delete
 * stops, destroys and waits for `destroyed`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { machineVersion, type FlyMachineBody, type FlyMachineGuest, type FlyMachineRequest } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import type { ApiTarget, ProviderContext } from "./context.ts";
import { pause } from "./timing.ts";
import { diffResource, type DiffRules } from "./diff.ts";
import type { FlyHandler } from "./handler.ts";
import { FlyInitError, isAmbiguous, isStatus } from "./errors.ts";
import { withMachineLease } from "./lease.ts";
import { machineConfig, machineTagKey, specProblems, type MachineSpec } from "./machine-config.ts";
import { stopForDestroy, waitUntilServing } from "./machine-power.ts";
import { waitForMachineState } from "./wait.ts";

export interface FlyMachineInputs extends ApiTarget, MachineSpec {
  appName: string;
  /** `version` of the app's secrets the machine must see (from FlySecrets); a new one rolls the machine. */
  minSecretsVersion?: number;
}

export interface FlyMachineOutputs extends FlyMachineInputs {
  machineId: string;
  /** The machine's version ID (Fly's `version`, formerly `instance_id`; the output keeps the old name). */
  instanceId: string;
  state: string;
  privateIp: string;
}

const goneStates = ["destroying", "destroyed"];

const sameVolume = (a: unknown, b: unknown): boolean =>
  (a as MachineSpec["mount"])?.volume === (b as MachineSpec["mount"])?.volume;

const rules: DiffRules<keyof FlyMachineInputs> = {
  inputs: [
    "appName", "name", "region", "image", "guest", "env", "mount", "internalPort", "healthCheckPath",
    "restartPolicy", "release", "metadata", "autostop", "metrics", "minSecretsVersion", "apiBaseUrl",
  ],
  replaceOn: ["appName", "name", "region"],
  // Fly cannot move a machine to another volume; a new mount path alone is an update.
  replaceIf: { mount: (old, next) => !sameVolume(old, next) },
  ignore: ["apiBaseUrl"],
  // The replacement collides with the old machine when it keeps the name (unique
  // in the app) or the volume (one machine at a time may mount it).
  deleteBeforeReplace: (olds, news) =>
    olds["name"] === news["name"] || (olds["mount"] !== undefined && sameVolume(olds["mount"], news["mount"])),
};

const machinesPath = (appName: string) => `/apps/${seg(appName)}/machines`;

async function getMachine(client: FlyClient, appName: string, id: string): Promise<FlyMachineBody | undefined> {
  try {
    const { body } = await client.request<FlyMachineBody>("GET", `${machinesPath(appName)}/${seg(id)}`, { idempotent: true });
    return goneStates.includes(body.state) ? undefined : body;
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
}

/** Our machine of this name, found by its metadata tag (after a create that failed ambiguously). */
async function findOurs(client: FlyClient, inputs: FlyMachineInputs): Promise<FlyMachineBody | undefined> {
  // The list is eventually consistent: flyctl waits launchLookupDelay before this lookup
  // (internal/command/deploy/strategy_bluegreen.go).
  await client.timing.sleep(client.timing.lookupDelayMs);
  const { body } = await client.request<FlyMachineBody[]>("GET", machinesPath(inputs.appName), {
    query: { [`metadata.${machineTagKey}`]: inputs.name },
    idempotent: true,
  });
  return (body ?? []).find(
    (machine) =>
      machine.name === inputs.name &&
      machine.config?.metadata?.[machineTagKey] === inputs.name &&
      !goneStates.includes(machine.state),
  );
}

function request(inputs: FlyMachineInputs): FlyMachineRequest {
  return {
    name: inputs.name,
    region: inputs.region,
    config: machineConfig(inputs),
    min_secrets_version: inputs.minSecretsVersion,
  };
}

const guestSpec = (guest: FlyMachineGuest): MachineSpec["guest"] => ({
  cpuKind: guest.cpu_kind === "performance" ? "performance" : "shared",
  cpus: guest.cpus,
  memoryMb: guest.memory_mb,
});

const checkNames = (inputs: FlyMachineInputs) => Object.keys(machineConfig(inputs).checks ?? {});

async function outputsOf(client: FlyClient, inputs: FlyMachineInputs, id: string): Promise<FlyMachineOutputs> {
  const machine = await getMachine(client, inputs.appName, id);
  if (!machine) throw new Error(`Machine ${id} of app ${inputs.appName} disappeared right after it started`);
  return unready(inputs, machine);
}

async function create(ctx: ProviderContext, inputs: FlyMachineInputs): Promise<FlyMachineOutputs> {
  const client = ctx.clientFor(inputs);
  let machine: FlyMachineBody | undefined;
  let uncertain = false;
  for (let attempt = 1; !machine; attempt++) {
    try {
      machine = (await client.request<FlyMachineBody>("POST", machinesPath(inputs.appName), { body: request(inputs), idempotent: false })).body;
    } catch (error) {
      // A 422 after an ambiguous try is most likely our own machine holding the name.
      if (!isAmbiguous(error) && !(uncertain && isStatus(error, 422))) throw error;
      uncertain = true;
      machine = await findOurs(client, inputs);
      if (machine) break;
      if (attempt >= ctx.timing.createAttempts) throw error;
      await pause(ctx.timing, attempt);
    }
  }
  try {
    // Right after a create, Fly may answer 404 for a moment (WaitForState WithJustCreated in flyctl deploy).
    const version = machineVersion(machine);
    await waitUntilServing(client, { appName: inputs.appName, machineId: machine.id, version, checkNames: checkNames(inputs), justCreated: true });
  } catch (error) {
    throw new FlyInitError(machine.id, unready(inputs, machine), error);
  }
  return await outputsOf(client, inputs, machine.id);
}

/** Outputs of a machine that exists but is not ready, for an init failure. */
function unready(inputs: FlyMachineInputs, machine: Pick<FlyMachineBody, "id" | "version" | "instance_id" | "state" | "private_ip">): FlyMachineOutputs {
  return { ...inputs, machineId: machine.id, instanceId: machineVersion(machine), state: machine.state, privateIp: machine.private_ip ?? "" };
}

async function update(ctx: ProviderContext, id: string, olds: FlyMachineOutputs, news: FlyMachineInputs): Promise<FlyMachineOutputs> {
  const client = ctx.clientFor(news);
  await withMachineLease(client, news.appName, id, async (lease) => {
    // The complete config: whatever is not sent is removed from the machine.
    const { body } = await client.request<FlyMachineBody>("POST", `${machinesPath(news.appName)}/${seg(id)}`, {
      body: request(news),
      headers: lease.headers,
      idempotent: true,
    });
    try {
      await waitUntilServing(client, { appName: news.appName, machineId: id, version: machineVersion(body), checkNames: checkNames(news) });
    } catch (error) {
      // The new config is on the machine: record it, marked as not initialized.
      throw new FlyInitError(id, unready(news, { ...body, private_ip: body.private_ip ?? olds.privateIp }), error);
    }
  });
  return await outputsOf(client, news, id);
}

async function destroy(ctx: ProviderContext, id: string, props: FlyMachineOutputs): Promise<void> {
  const client = ctx.clientFor(props);
  const machine = await getMachine(client, props.appName, id);
  if (!machine) return;
  try {
    await withMachineLease(client, props.appName, id, async (lease) => {
      await stopForDestroy(client, props.appName, machine, lease);
      await client.request("DELETE", `${machinesPath(props.appName)}/${seg(id)}`, { query: { force: true }, headers: lease.headers, idempotent: true });
    });
  } catch (error) {
    if (!isStatus(error, 404)) throw error; // gone while we were at it
  }
  // Destruction finishes asynchronously; from then on the machine reads as 404.
  await waitForMachineState(client, { appName: props.appName, machineId: id, state: "destroyed" });
}

export function machineProvider(ctx: ProviderContext): FlyHandler<FlyMachineInputs, FlyMachineOutputs> {
  return {
    async check(_olds, news) {
      const failures = specProblems(news).map(([property, reason]) => ({ property, reason }));
      if (!news.appName) failures.push({ property: "appName", reason: "the app the machine belongs to is required" });
      return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
      return diffResource(rules, { ...olds }, { ...news });
    },
    async create(inputs) {
      const outs = await create(ctx, inputs);
      return { id: outs.machineId, outs };
    },
    async read(id, props) {
      if (!props) return { id: "", props: undefined };
      const machine = await getMachine(ctx.clientFor(props), props.appName, id);
      if (!machine) return { id: "", props: undefined };
      const config = machine.config;
      const mount = config.mounts?.[0];
      return {
        id,
        props: {
          ...props,
          name: machine.name,
          region: machine.region,
          image: config.image,
          env: config.env ?? {},
          guest: config.guest ? guestSpec(config.guest) : props.guest,
          mount: mount ? { volume: mount.volume, path: mount.path } : undefined,
          instanceId: machineVersion(machine),
          state: machine.state,
          privateIp: machine.private_ip ?? props.privateIp,
        },
      };
    },
    async update(id, olds, news) {
      return { outs: await update(ctx, id, olds, news) };
    },
    async delete(id, props) {
      await destroy(ctx, id, props);
    },
  };
}
