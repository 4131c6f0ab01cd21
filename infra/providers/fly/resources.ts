/**
 * The Fly resources as Pulumi dynamic resources. Each passes the same tiny
 * serializable provider (provider.ts) with its kind; outputs are declared as
 * `undefined` props so that Pulumi exposes them on the resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { FlyAppInputs } from "./app.ts";
import type { FlyImageInputs } from "./image.ts";
import type { FlyIpAssignmentInputs } from "./ip.ts";
import type { FlyMachineInputs } from "./machine.ts";
import { serializableProvider } from "./provider.ts";
import type { FlySecretsInputs } from "./secrets.ts";
import type { FlyVolumeInputs } from "./volume.ts";

/** Every field of a provider's inputs, as a Pulumi input. */
export type Args<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export type FlyAppArgs = Args<FlyAppInputs>;
export type FlyImageArgs = Args<FlyImageInputs>;
export type FlyVolumeArgs = Args<FlyVolumeInputs>;
export type FlyMachineArgs = Args<FlyMachineInputs>;
export type FlySecretsArgs = Args<FlySecretsInputs>;
export type FlyIpAssignmentArgs = Args<FlyIpAssignmentInputs>;

export class FlyApp extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly org: pulumi.Output<string>;
  declare readonly appId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<string | undefined>;

  constructor(name: string, args: FlyAppArgs, opts?: pulumi.CustomResourceOptions) {
    super(serializableProvider("app"), name, { ...args, appId: undefined, status: undefined, adopted: undefined }, opts, "fly", "App");
  }
}

export class FlyImage extends pulumi.dynamic.Resource {
  /** `registry.fly.io/<app>:<tag>` */
  declare readonly image: pulumi.Output<string>;
  declare readonly digest: pulumi.Output<string>;
  declare readonly obtained: pulumi.Output<string>;

  constructor(name: string, args: FlyImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(serializableProvider("image"), name, { ...args, image: undefined, digest: undefined, obtained: undefined }, opts, "fly", "Image");
  }
}

export class FlyVolume extends pulumi.dynamic.Resource {
  declare readonly volumeId: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly sizeGb: pulumi.Output<number>;
  declare readonly zone: pulumi.Output<string>;
  declare readonly attachedMachineId: pulumi.Output<string | null>;

  constructor(name: string, args: FlyVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { volumeId: undefined, state: undefined, zone: undefined, attachedMachineId: undefined };
    super(serializableProvider("volume"), name, { ...args, ...outputs }, opts, "fly", "Volume");
  }
}

export class FlyMachine extends pulumi.dynamic.Resource {
  declare readonly machineId: pulumi.Output<string>;
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly state: pulumi.Output<string>;
  declare readonly privateIp: pulumi.Output<string>;

  constructor(name: string, args: FlyMachineArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { machineId: undefined, instanceId: undefined, state: undefined, privateIp: undefined };
    super(serializableProvider("machine"), name, { ...args, ...outputs }, opts, "fly", "Machine");
  }
}

export class FlySecrets extends pulumi.dynamic.Resource {
  declare readonly names: pulumi.Output<string[]>;
  /** The app's secrets version after the last change; feed it to machines' `minSecretsVersion`. */
  declare readonly version: pulumi.Output<number>;

  constructor(name: string, args: FlySecretsArgs, opts?: pulumi.CustomResourceOptions) {
    const secretOpts = pulumi.mergeOptions(opts, { additionalSecretOutputs: ["values"] });
    super(serializableProvider("secrets"), name, { ...args, names: undefined, version: undefined }, secretOpts, "fly", "Secrets");
  }
}

export class FlyIpAssignment extends pulumi.dynamic.Resource {
  declare readonly address: pulumi.Output<string>;
  declare readonly shared: pulumi.Output<boolean>;

  constructor(name: string, args: FlyIpAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(serializableProvider("ip"), name, { ...args, address: undefined, shared: undefined }, opts, "fly", "IpAssignment");
  }
}
