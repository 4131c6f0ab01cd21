/**
 * SST-style transform hooks: a component user adjusts the args or options of a
 * child resource without forking the component. A transform is either a partial
 * args object merged over the component's args, or a function that edits the
 * args and options in place.
 */
import type * as pulumi from "@pulumi/pulumi";

export type Transform<Args> =
  | Partial<Args>
  | ((args: Args, opts: pulumi.CustomResourceOptions, name: string) => void);

/** Applies `transform` (if any) and returns what the child constructor takes. */
export function applyTransform<Args extends object>(
  transform: Transform<Args> | undefined,
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [string, Args, pulumi.CustomResourceOptions] {
  if (typeof transform === "function") {
    transform(args, opts, name);
    return [name, args, opts];
  }
  return [name, { ...args, ...transform }, opts];
}
