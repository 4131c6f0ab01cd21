/**
 * FlyApp: `POST /apps`, `GET /apps/{app}`, `DELETE /apps/{app}` (202, finishes
 * asynchronously). App names are one namespace across all of Fly.io; an app of
 * the same name in the same organization is adopted, never failed on.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FlyAppBody, FlyAppCreatedBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import type { ApiTarget, ProviderContext } from "./context.ts";
import { pause } from "./timing.ts";
import { diffResource, type DiffRules } from "./diff.ts";
import type { FlyHandler } from "./handler.ts";
import { FlyInitError, isAmbiguous, isStatus, type FlyApiError } from "./errors.ts";
import { pollUntil, untilVisible } from "./wait.ts";

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
  /**
   * Set when the create found the app already there, in the same organization
   * (made by hand, by `fly apps create`, or by an earlier run whose state was
   * lost), and took it over instead of failing: it is then this stack's app,
   * and deleting the stack deletes it.
   */
  adopted?: string;
}

const rules: DiffRules<keyof FlyAppInputs> = {
  inputs: ["name", "org", "network", "apiBaseUrl"],
  replaceOn: ["name", "org", "network"],
  ignore: ["apiBaseUrl"],
  // Same name in a new org or network: the old app must go first, names are global.
  deleteBeforeReplace: (olds, news) => olds["name"] === news["name"],
};

/** `GET /apps/{app}`; a 403 means the name exists in an organization this token cannot see. */
async function fetchApp(client: FlyClient, name: string): Promise<FlyAppBody> {
  try {
    return (await client.request<FlyAppBody>("GET", `/apps/${seg(name)}`, { idempotent: true })).body;
  } catch (error) {
    // fly-go flaps/flaps_apps.go (AppNameAvailable): a 403 is "The app exists, in an org we do not have access to."
    if (isStatus(error, 403)) throw nameTaken(error, name, "it is held by an organization this token cannot access");
    throw error;
  }
}

function nameTaken(error: FlyApiError, name: string, why: string): Error {
  return new Error(`${error.message}. App names are unique across all of Fly.io and ${name} is taken (${why}); choose another appName.`);
}

async function getApp(client: FlyClient, name: string): Promise<FlyAppBody | undefined> {
  try {
    return await fetchApp(client, name);
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * `GET /apps/{app}` until the Machines API shows an app we just created. Like
 * fly-go's WaitForApp (flaps/flaps_apps.go), which every flyctl create is followed
 * by: 404 and 401 mean "not visible yet", anything else is final. flyctl PR #3112:
 * "Don't continue after creating app until machines API can see it".
 */
async function waitForApp(client: FlyClient, name: string): Promise<FlyAppBody> {
  const notYet = (error: unknown) => isStatus(error, 404, 401);
  return await untilVisible(client.timing, client.timing.appVisibility, `Fly app ${name}`, notYet, () => fetchApp(client, name));
}

function outputsOf(inputs: FlyAppInputs, app: FlyAppBody): FlyAppOutputs {
  return { ...inputs, appId: app.id, status: app.status ?? "pending" };
}

/** The app we created or adopted, once the API shows it; one that never shows is kept in state (init failure). */
async function visible(client: FlyClient, inputs: FlyAppInputs, appId: string): Promise<FlyAppOutputs> {
  try {
    return outputsOf(inputs, await waitForApp(client, inputs.name));
  } catch (error) {
    throw new FlyInitError(inputs.name, outputsOf(inputs, { id: appId, name: inputs.name }), error);
  }
}

/** What `POST /apps` came to: the app's id, and whether it was there before this create. */
interface Posted {
  id: string;
  /** The app existed already, in the same organization, and was not made by this create. */
  preexisting: boolean;
}

/**
 * `POST /apps`. A 422 "name taken" (fly-go flaps/flaps_error.go, IsNameTakenError) for an app of
 * the same organization is an adoption: the app was made outside this stack (by hand, to push an
 * image before the first `pulumi up`, or by a run whose state was lost), and failing would leave
 * no way forward but deleting it. After an ambiguous failure, what the create may have made is
 * adopted the same way. An app of another organization is never adopted.
 */
async function post(ctx: ProviderContext, client: FlyClient, inputs: FlyAppInputs): Promise<Posted> {
  let uncertain = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const { body } = await client.request<FlyAppCreatedBody>("POST", "/apps", {
        // The reference documents `app_name`; fly-go's client (flyctl) sends `name`, and `?wait=true`
        // (fly-go flaps/flaps_apps.go, CreateApp).
        body: { app_name: inputs.name, name: inputs.name, org_slug: inputs.org, network: inputs.network },
        query: { wait: true },
        idempotent: false,
      });
      return { id: body.id, preexisting: false };
    } catch (error) {
      const taken = isStatus(error, 422);
      if (!isAmbiguous(error) && !taken) throw error;
      // A 422 says the app exists, so wait until it is visible; after an ambiguous try, a 404 or
      // 401 may be the visibility window, and the next POST tells.
      const existing = taken ? await waitForApp(client, inputs.name) : await getApp(client, inputs.name).catch(unlessHidden);
      if (existing && existing.organization?.slug === inputs.org) return { id: existing.id, preexisting: taken && !uncertain };
      if (taken) throw nameTaken(error, inputs.name, `by an app of organization ${existing?.organization?.slug ?? "unknown"}`);
      uncertain = true;
      if (attempt >= ctx.timing.createAttempts) throw error;
      await pause(ctx.timing, attempt);
    }
  }
}

/** A 401 right after a create means "not visible yet" (fly-go WaitForApp): nothing to adopt yet. */
function unlessHidden(error: unknown): undefined {
  if (isStatus(error, 401)) return undefined;
  throw error;
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
      const client = ctx.clientFor(inputs);
      const posted = await post(ctx, client, inputs);
      const outs = await visible(client, inputs, posted.id);
      if (!posted.preexisting) return { id: outs.name, outs };
      const adopted = `Fly app ${inputs.name} already existed in organization ${inputs.org}; adopted it as this stack's app (deleting the stack deletes it)`;
      // The engine shows a provider's stderr; the output keeps the fact in state.
      process.stderr.write(`${adopted}\n`);
      return { id: outs.name, outs: { ...outs, adopted } };
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
