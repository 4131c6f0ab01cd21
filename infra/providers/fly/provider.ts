/**
 * The object Pulumi serializes into state for every Fly resource: a lazy
 * provider (../lazy-provider.ts) that captures only where kinds.ts is and the
 * resource kind. The token is never captured: the handlers read it from the
 * environment at call time.
 */
import type * as pulumi from "@pulumi/pulumi";
import { kindsModule, lazyProvider } from "../lazy-provider.ts";
import type { FlyResourceKind } from "./kinds.ts";

const kinds = kindsModule(new URL("./kinds.ts", import.meta.url));

export function serializableProvider(kind: FlyResourceKind): pulumi.dynamic.ResourceProvider {
  return lazyProvider(kinds, kind, `Fly ${kind}`);
}
