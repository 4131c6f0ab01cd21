/**
 * FlyApp: `POST /apps`, `GET /apps/{app}`, `DELETE /apps/{app}` (202, finishes
 * asynchronously). App names are one namespace across all of Fly.io.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FlyAppBody, FlyAppCreatedBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import type { ApiTarget, ProviderContext } from "./context.ts";
import { pause } from "./timing.ts";
import { diffResource, type DiffRules } from "./diff.ts";
import type { FlyHandler } from "./handler.ts";
import { isAmbiguous, isStatus } from "./errors.ts";
import { pollUntil } from "./wait.ts";

export interface FlyAppInputs extends ApiTarget {
  name: string;
  /** Organization slug, e.g. `personal`. */
  org: string;
  /** An isolated 6PN network for the app; omit for the organization's default network. */
  network?: string;
}

export interface FlyAppOutputs extends FlyAppInputs {
  appId: string;
  status: string;
}

const rules: DiffRules<keyof FlyAppInputs> = {
  inputs: ["name", "org", "network", "apiBaseUrl"],
  replaceOn: ["name", "org", "network"],
  ignore: ["apiBaseUrl"],
  // Same name in a new org or network: the old app must go first, names are global.
  deleteBeforeReplace: (olds, news) => olds["name"] === news["name"],
};

async function getApp(client: FlyClient, name: string): Promise<FlyAppBody | undefined> {
  try {
    return (await client.request<FlyAppBody>("GET", `/apps/${seg(name)}`, { idempotent: true })).body;
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
}

function outputsOf(inputs: FlyAppInputs, app: FlyAppBody): FlyAppOutputs {
  return { ...inputs, appId: app.id, status: app.status ?? "pending" };
}

async function create(ctx: ProviderContext, inputs: FlyAppInputs): Promise<FlyAppOutputs> {
  const client = ctx.clientFor(inputs);
  let uncertain = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const { body } = await client.request<FlyAppCreatedBody>("POST", "/apps", {
        // The reference documents `app_name`; fly-go's client (flyctl) sends `name`.
        body: { app_name: inputs.name, name: inputs.name, org_slug: inputs.org, network: inputs.network },
        idempotent: false,
      });
      return outputsOf(inputs, (await getApp(client, inputs.name)) ?? { id: body.id, name: inputs.name });
    } catch (error) {
      const taken = isStatus(error, 422);
      if (!isAmbiguous(error) && !(taken && uncertain)) {
        if (taken) throw new Error(`${error.message}. App names are unique across all of Fly.io; choose another appName.`);
        throw error;
      }
      // The create may have gone through: adopt the app if it is ours.
      uncertain = true;
      const existing = await getApp(client, inputs.name);
      if (existing && existing.organization?.slug === inputs.org) return outputsOf(inputs, existing);
      if (attempt >= ctx.timing.createAttempts) throw error;
      await pause(ctx.timing, attempt);
    }
  }
}

export function appProvider(ctx: ProviderContext): FlyHandler<FlyAppInputs, FlyAppOutputs> {
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(news.name ?? "")) {
        failures.push({ property: "name", reason: "a Fly app name is 3–63 lowercase letters, digits and dashes" });
      }
      if (!news.org) failures.push({ property: "org", reason: "the organization slug is required (e.g. `personal`)" });
      return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
      return diffResource(rules, { ...olds }, { ...news });
    },
    async create(inputs) {
      const outs = await create(ctx, inputs);
      return { id: outs.name, outs };
    },
    async read(id, props) {
      const app = await getApp(ctx.clientFor(props ?? {}), id);
      if (!app || !props) return { id: "", props: undefined };
      return { id, props: { ...props, appId: app.id, status: app.status ?? props.status, org: app.organization?.slug ?? props.org } };
    },
    async update(_id, olds, news) {
      // Every input of an app replaces it; only the API target can change in place.
      return { outs: { ...olds, ...news } };
    },
    async delete(id, props) {
      const client = ctx.clientFor(props);
      try {
        await client.request("DELETE", `/apps/${seg(id)}`, { idempotent: true });
      } catch (error) {
        if (isStatus(error, 404)) return;
        throw error;
      }
      await pollUntil(client, `Deletion of Fly app ${id}`, async () => (await getApp(client, id)) === undefined);
    },
  };
}
