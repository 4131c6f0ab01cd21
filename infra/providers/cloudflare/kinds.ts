/**
 * The CRUD implementation of each Cloudflare dynamic resource kind, bound to
 * the default context. The serialized provider (resources.ts) imports this
 * module by URL at call time, so nothing here is ever serialized into state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createCloudflareContext, scriptMigrationsProvider, type CloudflareContext } from "./script-migrations.ts";

export type CloudflareResourceKind = "script-migrations";

const factories: Record<CloudflareResourceKind, (ctx: CloudflareContext) => pulumi.dynamic.ResourceProvider> = {
  "script-migrations": scriptMigrationsProvider as (ctx: CloudflareContext) => pulumi.dynamic.ResourceProvider,
};

let shared: CloudflareContext | undefined;

export function handlerFor(kind: CloudflareResourceKind, ctx?: CloudflareContext): pulumi.dynamic.ResourceProvider {
  const factory = factories[kind];
  if (!factory) throw new Error(`Unknown Cloudflare resource kind ${JSON.stringify(kind)}`);
  shared ??= createCloudflareContext();
  return factory(ctx ?? shared);
}
