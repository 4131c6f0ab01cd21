/**
 * The Cloudflare resources `@pulumi/cloudflare` cannot express, as Pulumi
 * dynamic resources (see script-migrations.ts for why this one is needed).
 */
import * as pulumi from "@pulumi/pulumi";
import { kindsModule, lazyProvider } from "../lazy-provider.ts";
import type { MigrationUpload, ScriptMigrationInputs } from "./script-migrations.ts";

const kinds = kindsModule(new URL("./kinds.ts", import.meta.url));

type Lifted<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** The inputs, each a Pulumi input; the upload's fields too (its bindings are an output of secrets). */
export type ScriptMigrationsArgs = Lifted<Omit<ScriptMigrationInputs, "upload">> & { upload: pulumi.Input<Lifted<MigrationUpload>> };

/** The Durable Object migrations of one Worker script, applied by a non-versioned upload when one is pending. */
export class ScriptMigrations extends pulumi.dynamic.Resource {
  /** The script's last applied migration tag. */
  declare readonly appliedTag: pulumi.Output<string | undefined>;
  /** The release the last applied migration uploaded. */
  declare readonly uploadedRelease: pulumi.Output<string | undefined>;

  constructor(name: string, args: ScriptMigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    // The upload carries the Worker's secret bindings: keep it secret in state whatever the caller passed.
    const secretOpts = pulumi.mergeOptions(opts, { additionalSecretOutputs: ["upload"] });
    const outputs = { appliedTag: undefined, uploadedRelease: undefined };
    super(lazyProvider(kinds, "script-migrations", "Cloudflare script migrations"), name, { ...args, ...outputs }, secretOpts, "cloudflare", "ScriptMigrations");
  }
}
