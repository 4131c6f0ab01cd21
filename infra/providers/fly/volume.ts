/**
 * FlyVolume: `/apps/{app}/volumes`. A volume lives on one host in one region; it
 * can grow (`PUT .../extend`) but never shrink, and it cannot be deleted while a
 * machine still has it attached (Fly detaches it asynchronously after the
 * machine is destroyed).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FlyMachineGuest, FlyVolumeBody, FlyVolumeExtendBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import type { ApiTarget, ProviderContext } from "./context.ts";
import { pause } from "./timing.ts";
import { diffResource, type DiffRules } from "./diff.ts";
import type { FlyHandler } from "./handler.ts";
import { FlyApiError, isAmbiguous, isStatus } from "./errors.ts";
import { restartForGrownVolume } from "./machine-power.ts";
import { pollUntil } from "./wait.ts";

export interface FlyVolumeInputs extends ApiTarget {
  appName: string;
  /** Lowercase letters, digits and underscores, at most 30. Fly lets several volumes share a name. */
  name: string;
  region: string;
  sizeGb: number;
  /** @default true */
  encrypted?: boolean;
  /** Days of daily snapshots to keep, 1–60. */
  snapshotRetention?: number;
  autoBackupEnabled?: boolean;
  /** Place the volume on hardware with no other volume of this name. Creation-time only. */
  requireUniqueZone?: boolean;
  /** The guest of the machine that will mount it, a placement hint. Creation-time only. */
  compute?: FlyMachineGuest;
}

export interface FlyVolumeOutputs extends FlyVolumeInputs {
  volumeId: string;
  state: string;
  zone: string;
  attachedMachineId: string | null;
}

/** States of a volume on its way out; such a volume no longer counts as existing. */
export const goneVolumeStates = [
  "scheduling_destroy",
  "fork_cleanup",
  "waiting_for_detach",
  "pending_destroy",
  "destroying",
  "destroyed",
];

const rules: DiffRules<keyof FlyVolumeInputs> = {
  inputs: ["appName", "name", "region", "sizeGb", "encrypted", "snapshotRetention", "autoBackupEnabled", "requireUniqueZone", "compute", "apiBaseUrl"],
  replaceOn: ["appName", "name", "region", "encrypted"],
  ignore: ["requireUniqueZone", "compute", "apiBaseUrl"],
  // Volume names need not be unique, and the old volume stays until the machine
  // that mounts it has been replaced: create the new one first.
  deleteBeforeReplace: () => false,
};

const volumesPath = (appName: string) => `/apps/${seg(appName)}/volumes`;

async function listVolumes(client: FlyClient, appName: string): Promise<FlyVolumeBody[]> {
  return (await client.request<FlyVolumeBody[]>("GET", volumesPath(appName), { idempotent: true })).body ?? [];
}

async function getVolume(client: FlyClient, appName: string, id: string): Promise<FlyVolumeBody | undefined> {
  try {
    const { body } = await client.request<FlyVolumeBody>("GET", `${volumesPath(appName)}/${seg(id)}`, { idempotent: true });
    return goneVolumeStates.includes(body.state) ? undefined : body;
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
}

function outputsOf(inputs: FlyVolumeInputs, volume: FlyVolumeBody): FlyVolumeOutputs {
  return {
    ...inputs,
    sizeGb: volume.size_gb,
    volumeId: volume.id,
    state: volume.state,
    zone: volume.zone ?? "",
    attachedMachineId: volume.attached_machine_id ?? null,
  };
}

async function create(ctx: ProviderContext, inputs: FlyVolumeInputs): Promise<FlyVolumeOutputs> {
  const client = ctx.clientFor(inputs);
  // Volumes we must never adopt: the ones that existed before we asked.
  const before = new Set((await listVolumes(client, inputs.appName)).map((volume) => volume.id));
  for (let attempt = 1; ; attempt++) {
    try {
      const { body } = await client.request<FlyVolumeBody>("POST", volumesPath(inputs.appName), {
        body: {
          name: inputs.name,
          region: inputs.region,
          size_gb: inputs.sizeGb,
          encrypted: inputs.encrypted ?? true,
          require_unique_zone: inputs.requireUniqueZone,
          snapshot_retention: inputs.snapshotRetention,
          auto_backup_enabled: inputs.autoBackupEnabled,
          compute: inputs.compute,
        },
        idempotent: false,
      });
      return outputsOf(inputs, body);
    } catch (error) {
      if (!isAmbiguous(error)) throw error;
      // Lists are eventually consistent: flyctl waits launchLookupDelay before such a lookup
      // (internal/command/deploy/strategy_bluegreen.go). Volume names are not unique, so a miss here
      // followed by another POST makes a second volume.
      await ctx.timing.sleep(ctx.timing.lookupDelayMs);
      const made = (await listVolumes(client, inputs.appName)).find(
        (volume) =>
          !before.has(volume.id) &&
          volume.name === inputs.name &&
          volume.region === inputs.region &&
          !goneVolumeStates.includes(volume.state),
      );
      if (made) return outputsOf(inputs, made);
      if (attempt >= ctx.timing.createAttempts) throw error;
      await pause(ctx.timing, attempt);
    }
  }
}

async function update(ctx: ProviderContext, id: string, olds: FlyVolumeOutputs, news: FlyVolumeInputs): Promise<FlyVolumeOutputs> {
  const client = ctx.clientFor(news);
  const path = `${volumesPath(news.appName)}/${seg(id)}`;
  let volume = await getVolume(client, news.appName, id);
  if (!volume) throw new Error(`Volume ${id} of app ${news.appName} no longer exists; run \`pulumi refresh\``);
  if (news.sizeGb < volume.size_gb) {
    throw new Error(
      `Volume ${id} (${news.name}, ${news.region}) is ${volume.size_gb} GB and Fly volumes cannot shrink; ` +
        `sizeGb must be at least ${volume.size_gb}`,
    );
  }
  if (news.sizeGb > volume.size_gb) {
    const { body } = await client.request<FlyVolumeExtendBody>("PUT", `${path}/extend`, { body: { size_gb: news.sizeGb }, idempotent: true });
    volume = body.volume;
    // The machine that mounts it sees the new size only after a restart; we own that machine, so
    // restart it here rather than leave a note (machine-power.ts says how and why). Pulumi updates
    // the volume before its machine, which depends on it, and the lease keeps others out.
    const machineId = volume.attached_machine_id;
    if (body.needs_restart && machineId) await restartForGrownVolume(client, news.appName, machineId);
  }
  if (olds.snapshotRetention !== news.snapshotRetention || olds.autoBackupEnabled !== news.autoBackupEnabled) {
    const { body } = await client.request<FlyVolumeBody>("PUT", path, {
      body: { snapshot_retention: news.snapshotRetention, auto_backup_enabled: news.autoBackupEnabled },
      idempotent: true,
    });
    volume = body;
  }
  return outputsOf(news, volume);
}

/** Fly refuses to delete a volume a machine still has attached; that passes once the machine is gone. */
function isStillAttached(error: unknown): boolean {
  return error instanceof FlyApiError && error.status >= 400 && error.status < 500 && /attach/i.test(error.flyMessage);
}

async function destroy(ctx: ProviderContext, id: string, props: FlyVolumeOutputs): Promise<void> {
  const client = ctx.clientFor(props);
  const path = `${volumesPath(props.appName)}/${seg(id)}`;
  await pollUntil(client, `Deletion of volume ${id} of app ${props.appName}`, async () => {
    const volume = await getVolume(client, props.appName, id);
    if (!volume) return true;
    if (volume.attached_machine_id) return false; // its machine is still being destroyed
    try {
      await client.request("DELETE", path, { idempotent: true });
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return true;
      if (isStillAttached(error)) return false;
      throw error;
    }
  });
}

export function volumeProvider(ctx: ProviderContext): FlyHandler<FlyVolumeInputs, FlyVolumeOutputs> {
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!/^[a-z0-9_]{1,30}$/.test(news.name ?? "")) {
        failures.push({ property: "name", reason: "a volume name is 1–30 lowercase letters, digits and underscores" });
      }
      if (!Number.isInteger(news.sizeGb) || news.sizeGb < 1) {
        failures.push({ property: "sizeGb", reason: "sizeGb must be a whole number of GB, at least 1" });
      }
      return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
      return diffResource(rules, { ...olds }, { ...news });
    },
    async create(inputs) {
      const outs = await create(ctx, inputs);
      return { id: outs.volumeId, outs };
    },
    async read(id, props) {
      if (!props) return { id: "", props: undefined };
      const volume = await getVolume(ctx.clientFor(props), props.appName, id);
      if (!volume) return { id: "", props: undefined };
      return { id, props: { ...outputsOf(props, volume), region: volume.region, name: volume.name } };
    },
    async update(id, olds, news) {
      return { outs: await update(ctx, id, olds, news) };
    },
    async delete(id, props) {
      await destroy(ctx, id, props);
    },
  };
}
