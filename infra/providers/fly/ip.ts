/**
 * FlyIpAssignment: `POST/GET /apps/{app}/ip_assignments` and
 * `DELETE /apps/{app}/ip_assignments/{ip}`. Types: `v6` (dedicated, free),
 * `shared_v4` (free, not regional), `v4` (dedicated, billed), `private_v6`
 * (Flycast). The address itself is the resource id.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { FlyIpAssignmentBody, FlyIpListBody, FlyIpType } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import type { ApiTarget, ProviderContext } from "./context.ts";
import { pause } from "./timing.ts";
import { diffResource, type DiffRules } from "./diff.ts";
import type { FlyHandler } from "./handler.ts";
import { isAmbiguous, isStatus } from "./errors.ts";

export interface FlyIpAssignmentInputs extends ApiTarget {
  appName: string;
  type: FlyIpType;
  /** Only for `v4` and `v6`: pin the address to a region. Fly rejects a region for the others. */
  region?: string;
  /**
   * For `private_v6`: the 6PN network to route in. Fly does not default it to the app's own network
   * (blueprints/warm-pool-user-machines.html.md): an app on its own network must pass that network.
   */
  network?: string;
  /** For `private_v6`: the organization. */
  org?: string;
}

export interface FlyIpAssignmentOutputs extends FlyIpAssignmentInputs {
  address: string;
  shared: boolean;
}

const rules: DiffRules<keyof FlyIpAssignmentInputs> = {
  inputs: ["appName", "type", "region", "network", "org", "apiBaseUrl"],
  replaceOn: ["appName", "type", "region", "network", "org"],
  ignore: ["apiBaseUrl"],
};

const ipsPath = (appName: string) => `/apps/${seg(appName)}/ip_assignments`;

async function listIps(client: FlyClient, appName: string): Promise<FlyIpAssignmentBody[]> {
  return (await client.request<FlyIpListBody>("GET", ipsPath(appName), { idempotent: true })).body?.ips ?? [];
}

/** Whether an address listed by Fly is of the type we asked for. */
export function ipMatchesType(ip: FlyIpAssignmentBody, type: FlyIpType): boolean {
  const v6 = ip.ip.includes(":");
  const flycast = ip.ip.startsWith("fdaa:");
  switch (type) {
    case "private_v6":
      return flycast;
    case "v6":
      return v6 && !flycast;
    case "shared_v4":
      return !v6 && ip.shared;
    case "v4":
      return !v6 && !ip.shared;
  }
}

function outputsOf(inputs: FlyIpAssignmentInputs, ip: FlyIpAssignmentBody): FlyIpAssignmentOutputs {
  return { ...inputs, address: ip.ip, shared: ip.shared };
}

async function create(ctx: ProviderContext, inputs: FlyIpAssignmentInputs): Promise<FlyIpAssignmentOutputs> {
  const client = ctx.clientFor(inputs);
  // Addresses we must never adopt: the ones the app had before we asked.
  const before = new Set((await listIps(client, inputs.appName)).map((ip) => ip.ip));
  for (let attempt = 1; ; attempt++) {
    try {
      const { body } = await client.request<FlyIpAssignmentBody>("POST", ipsPath(inputs.appName), {
        body: { type: inputs.type, region: inputs.region, network: inputs.network, org_slug: inputs.org },
        idempotent: false,
      });
      return outputsOf(inputs, body);
    } catch (error) {
      if (!isAmbiguous(error)) throw error;
      // Lists are eventually consistent (flyctl launchLookupDelay, internal/command/deploy/strategy_bluegreen.go);
      // a miss followed by another POST would allocate a second address, billed when it is a dedicated v4.
      await ctx.timing.sleep(ctx.timing.lookupDelayMs);
      const made = (await listIps(client, inputs.appName)).find((ip) => !before.has(ip.ip) && ipMatchesType(ip, inputs.type));
      if (made) return outputsOf(inputs, made);
      if (attempt >= ctx.timing.createAttempts) throw error;
      await pause(ctx.timing, attempt);
    }
  }
}

export function ipProvider(ctx: ProviderContext): FlyHandler<FlyIpAssignmentInputs, FlyIpAssignmentOutputs> {
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (!["v4", "v6", "shared_v4", "private_v6"].includes(news.type)) {
        failures.push({ property: "type", reason: "one of v4, v6, shared_v4, private_v6" });
      } else if (news.region && (news.type === "shared_v4" || news.type === "private_v6")) {
        failures.push({ property: "region", reason: `${news.type} addresses are not regional; leave region unset` });
      }
      return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
      return diffResource(rules, { ...olds }, { ...news });
    },
    async create(inputs) {
      const outs = await create(ctx, inputs);
      return { id: outs.address, outs };
    },
    async read(id, props) {
      if (!props) return { id: "", props: undefined };
      let ips: FlyIpAssignmentBody[];
      try {
        ips = await listIps(ctx.clientFor(props), props.appName);
      } catch (error) {
        if (isStatus(error, 404)) return { id: "", props: undefined };
        throw error;
      }
      const ip = ips.find((candidate) => candidate.ip === id);
      return ip ? { id, props: outputsOf(props, ip) } : { id: "", props: undefined };
    },
    async delete(id, props) {
      try {
        await ctx.clientFor(props).request("DELETE", `${ipsPath(props.appName)}/${seg(id)}`, { idempotent: true });
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
    },
  };
}
