/**
 * The shape of every Fly resource implementation: a Pulumi dynamic provider
 * whose results are fully typed (create always returns outputs).
 */
import type * as pulumi from "@pulumi/pulumi";

export interface FlyHandler<I, O> {
  check(olds: I, news: I): Promise<pulumi.dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: I): Promise<{ id: string; outs: O }>;
  /** An empty id means the resource is gone. */
  read(id: string, props?: O): Promise<{ id: string; props?: O }>;
  update?(id: string, olds: O, news: I): Promise<{ outs: O }>;
  delete(id: string, props: O): Promise<void>;
}
