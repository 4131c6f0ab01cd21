/** Worker bindings: how the component writes them, and how the script upload API spells them. */
import type * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export type Binding = cloudflare.types.input.WorkerVersionBinding;

export function plain(name: string, text: pulumi.Input<string>): Binding {
  return { type: "plain_text", name, text };
}

/** A secret_text binding; its text is marked secret whatever the caller passed. */
export function secretText(name: string, text: pulumi.Input<string>): Binding {
  return { type: "secret_text", name, text: pulumi.secret(text) };
}

/** A Workers Analytics Engine dataset; Cloudflare creates it at the first write. */
export function analyticsEngine(name: string, dataset: string): Binding {
  return { type: "analytics_engine", name, dataset };
}

/** A Workers KV namespace, by id. */
export function kvNamespace(name: string, namespaceId: pulumi.Input<string>): Binding {
  return { type: "kv_namespace", name, namespaceId };
}

/** Bindings as the script upload API spells them (`class_name`, `namespace_id`, not camelCase); secrets stay secret. */
export function bindingsOnTheWire(bindings: Binding[]): pulumi.Output<Record<string, unknown>[]> {
  return pulumi.output(bindings).apply((resolved) =>
    resolved.map(({ type, name, className, text, dataset, namespaceId }): Record<string, unknown> => ({
      type,
      name,
      ...(className === undefined ? {} : { class_name: className }),
      ...(text === undefined ? {} : { text }),
      ...(dataset === undefined ? {} : { dataset }),
      ...(namespaceId === undefined ? {} : { namespace_id: namespaceId }),
    })),
  ) as pulumi.Output<Record<string, unknown>[]>;
}
