/**
 * The CRUD implementation of each Fly resource kind, bound to the default
 * context. The serialized provider (provider.ts) imports this module by URL at
 * call time, so nothing here is ever serialized into Pulumi state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { appProvider } from "./app.ts";
import { defaultContext, type ProviderContext } from "./context.ts";
import { imageProvider } from "./image.ts";
import { ipProvider } from "./ip.ts";
import { machineProvider } from "./machine.ts";
import { secretsProvider } from "./secrets.ts";
import { volumeProvider } from "./volume.ts";

export type FlyResourceKind = "app" | "image" | "volume" | "machine" | "secrets" | "ip";

const factories: Record<FlyResourceKind, (ctx: ProviderContext) => pulumi.dynamic.ResourceProvider> = {
  app: appProvider,
  image: imageProvider,
  volume: volumeProvider,
  machine: machineProvider,
  secrets: secretsProvider,
  ip: ipProvider,
};

const bound = new Map<FlyResourceKind, pulumi.dynamic.ResourceProvider>();

export function handlerFor(kind: FlyResourceKind, ctx?: ProviderContext): pulumi.dynamic.ResourceProvider {
  const factory = factories[kind];
  if (!factory) throw new Error(`Unknown Fly resource kind ${JSON.stringify(kind)}`);
  if (ctx) return factory(ctx);
  let provider = bound.get(kind);
  if (!provider) {
    provider = factory(defaultContext());
    bound.set(kind, provider);
  }
  return provider;
}
