/**
 * FlySecrets: the app secrets this stack manages, through
 * `POST /apps/{app}/secrets` with `{"values": {NAME: value | null}}` (null
 * deletes) and `GET /apps/{app}/secrets` (names and digests, never values).
 * Fly answers a change with a new secrets `version`; a machine created or updated
 * with `min_secrets_version` ≥ that version is guaranteed to see it. Secrets
 * this resource did not set are left alone.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FlySecretsBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import type { ApiTarget, ProviderContext } from "./context.ts";
import { diffResource, hasUnknown, type DiffRules } from "./diff.ts";
import type { FlyHandler } from "./handler.ts";
import { isStatus } from "./errors.ts";

export interface FlySecretsInputs extends ApiTarget {
  appName: string;
  /** Secret name → value. Pass them as Pulumi secrets; the resource marks `values` secret too. */
  values: Record<string, string>;
}

export interface FlySecretsOutputs extends FlySecretsInputs {
  /** The names this resource manages, sorted. */
  names: string[];
  /** The app's secrets version after our last change. */
  version: number;
}

const rules: DiffRules<keyof FlySecretsInputs> = {
  inputs: ["appName", "values", "apiBaseUrl"],
  replaceOn: ["appName"],
  ignore: ["apiBaseUrl"],
};

const secretsPath = (appName: string) => `/apps/${seg(appName)}/secrets`;

/** Sets and deletes in one request; setting the same values twice is harmless, so it is retried. */
async function apply(client: FlyClient, appName: string, values: Record<string, string | null>): Promise<number> {
  const { body } = await client.request<FlySecretsBody>("POST", secretsPath(appName), { body: { values }, idempotent: true });
  return body?.version ?? 0;
}

function outputsOf(inputs: FlySecretsInputs, version: number): FlySecretsOutputs {
  return { ...inputs, values: { ...inputs.values }, names: Object.keys(inputs.values).sort(), version };
}

export function secretsProvider(ctx: ProviderContext): FlyHandler<FlySecretsInputs, FlySecretsOutputs> {
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      // In a preview the values may not be known yet (a key made in the same update): the whole map is the engine's unknown.
      const values = hasUnknown(news.values) && typeof news.values !== "object" ? {} : (news.values ?? {});
      for (const name of Object.keys(values)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          failures.push({ property: "values", reason: `secret name ${JSON.stringify(name)} is not a valid environment variable name` });
        }
      }
      return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
      return diffResource(rules, { ...olds }, { ...news });
    },
    async create(inputs) {
      const version = await apply(ctx.clientFor(inputs), inputs.appName, inputs.values);
      return { id: `${inputs.appName}/secrets`, outs: outputsOf(inputs, version) };
    },
    async read(id, props) {
      if (!props) return { id: "", props: undefined };
      let present: Set<string>;
      try {
        const { body } = await ctx.clientFor(props).request<FlySecretsBody>("GET", secretsPath(props.appName), { idempotent: true });
        present = new Set((body?.secrets ?? []).map((secret) => secret.name));
      } catch (error) {
        if (isStatus(error, 404)) return { id: "", props: undefined };
        throw error;
      }
      // Values cannot be read back; a secret someone unset drops out, and the next `up` sets it again.
      const values = Object.fromEntries(Object.entries(props.values).filter(([name]) => present.has(name)));
      return { id, props: { ...props, values, names: Object.keys(values).sort() } };
    },
    async update(_id, olds, news) {
      const removed = olds.names.filter((name) => !(name in news.values));
      const change: Record<string, string | null> = { ...news.values };
      for (const name of removed) change[name] = null;
      const version = await apply(ctx.clientFor(news), news.appName, change);
      return { outs: outputsOf(news, version) };
    },
    async delete(_id, props) {
      if (props.names.length === 0) return;
      try {
        await apply(ctx.clientFor(props), props.appName, Object.fromEntries(props.names.map((name) => [name, null])));
      } catch (error) {
        if (!isStatus(error, 404)) throw error; // the app, and its secrets with it, is gone
      }
    },
  };
}
