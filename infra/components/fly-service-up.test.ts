/**
 * A `pulumi up` of a FlyService against the fake Fly API, from an empty
 * account. The mock monitor plays the engine for the Fly dynamic resources: it
 * checks and creates each one with the provider's real handler once its inputs
 * and dependencies are ready, so the component's own ordering drives the
 * provider's real CRUD. Like Fly, the fake shows a new app and a new machine
 * only after a moment, takes a push only into the repository of an app that
 * exists, and starts a machine only on an image its registry holds: the image
 * must be built between the app and the first machine.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { startFlyTestBed, within, type FlyTestBed } from "../../test/fixtures/fly-test-bed.ts";
import { flyInputsSha256 } from "../../stacks/release/fly-inputs.ts";
import { handlerFor, type FlyResourceKind } from "../providers/fly/kinds.ts";
import { FlyService } from "./fly-service.ts";

const secretSig = "1b47061264138c4ac30d75fd1eb44270";

/** Inputs as the provider receives them from the engine: secrets unwrapped, no serialized provider. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== "object" || value === null) return value;
  if (Object.values(value).includes(secretSig)) return plain((value as { value: unknown }).value);
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "__provider").map(([key, v]) => [key, plain(v)]));
}

const kinds: Record<string, FlyResourceKind> = { App: "app", Image: "image", Volume: "volume", Machine: "machine", Secrets: "secrets", IpAssignment: "ip" };

const appName = "mcp-hosting-up";
const root = join(import.meta.dirname, "..", "..");
const regions = ["ams", "iad", "sin", "syd"];
let bed: FlyTestBed;
let service: FlyService;

before(async () => {
  // The fake's defaults: a new app answers 404, then 401; a new machine's first wait answers 404.
  bed = await startFlyTestBed();
  // flyctl (the stand-in) runs as a child of the provider and finds the account as the provider does.
  Object.assign(process.env, { FLY_API_TOKEN: bed.api.token, FLY_API_BASE_URL: bed.api.url, FLY_REGISTRY_URL: bed.api.registryUrl });
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const kind = kinds[args.type.replace("pulumi-nodejs:dynamic/fly:", "")];
        if (!kind) return { id: `${args.name}-id`, state: args.inputs };
        const handler = handlerFor(kind, bed.ctx);
        const { inputs, failures } = await handler.check!({}, plain(args.inputs));
        if (failures?.length) throw new Error(`${args.name}: ${JSON.stringify(failures)}`);
        const { id, outs } = await handler.create(inputs);
        return { id, state: outs };
      },
      call: () => ({}),
    },
    "mcp-hosting",
    "up",
    false,
  );
  service = new FlyService("fly", {
    appName,
    org: "personal",
    primaryRegion: "iad",
    regions,
    machine: { cpuKind: "shared", cpus: 1, memoryMb: 256 },
    volumeSizeGb: 1,
    image: "registry.fly.io/mcp-hosting-up:r-00000000cafe",
    imageSource: {
      tag: "r-00000000cafe",
      release: "r-00000000cafe",
      inputsSha256: flyInputsSha256(root),
      build: { projectDir: root, dockerfile: "app/Dockerfile", flyctl: join(root, "test", "stand-ins", "bin", "flyctl") },
    },
    secrets: { MCP_UPSTREAM_SECRET: "upstream-s3cr3t" },
    metrics: { port: 9091, path: "/metrics" },
    apiBaseUrl: bed.api.url,
    registryUrl: bed.api.registryUrl,
  });
  await within(20_000, new Promise((resolve) => service.machineIds.apply(resolve)));
});

after(async () => {
  for (const key of ["FLY_API_TOKEN", "FLY_API_BASE_URL", "FLY_REGISTRY_URL"]) delete process.env[key];
  await bed.close();
});

describe("pulumi up of a FlyService against a Fly that shows new things only after a moment", () => {
  it("creates the app, then its addresses, secrets, volumes and a started machine per region, each mounting its region's volume", async () => {
    const app = bed.api.model.apps.get(appName);
    assert.equal(app?.org, "personal");
    assert.equal(app?.ips.length, 2);
    assert.deepEqual([...(app?.secrets.keys() ?? [])], ["MCP_UPSTREAM_SECRET"]);
    const machines = bed.api.model.machinesOf(appName);
    assert.deepEqual(machines.map((m) => m.region).sort(), regions);
    for (const machine of machines) {
      assert.equal(machine.state, "started", machine.region);
      const volume = bed.api.model.volumes.get(machine.config.mounts?.[0]?.volume ?? "");
      assert.equal(volume?.region, machine.region);
      assert.equal(volume?.attached_machine_id, machine.id);
      assert.equal(machine.min_secrets_version, app?.secretsVersion);
    }
    const ids = await new Promise<Record<string, string>>((resolve) => service.machineIds.apply(resolve));
    assert.deepEqual(Object.keys(ids).sort(), regions);
  });

  it("waited for the app before anything else touched it: the only refusals were the wait's own, and the new machines' first waits", () => {
    const about = bed.api.requests.filter((r) => r.path === `/apps/${appName}` || r.path.startsWith(`/apps/${appName}/`));
    const appWaits = about.filter((r) => r.method === "GET" && r.path === `/apps/${appName}`);
    // The wait's own tries, then 200 only (flyctl looks the app up again before its build).
    assert.deepEqual(appWaits.slice(0, 3).map((r) => r.status), [404, 401, 200]);
    assert.ok(appWaits.slice(3).every((r) => r.status === 200));
    const firstOther = about.findIndex((r) => r.path !== `/apps/${appName}`);
    assert.ok(firstOther > about.indexOf(appWaits[2]!), "volumes, addresses and secrets came after the app showed");
    const refused = about.filter((r) => r.status === 404 || r.status === 401).filter((r) => !appWaits.includes(r));
    assert.ok(refused.length === regions.length && refused.every((r) => r.path.endsWith("/wait")), refused.map((r) => r.path).join(", "));
  });

  it("pushed the release's image only once the app existed, and created the first machine only once the image was in the registry", () => {
    const about = bed.api.requests.filter((r) => r.path.startsWith(`/apps/${appName}`) || r.path.startsWith(`/v2/${appName}/`));
    const appVisible = about.findIndex((r) => r.method === "GET" && r.path === `/apps/${appName}` && r.status === 200);
    const firstPush = about.findIndex((r) => r.path.startsWith(`/v2/${appName}/`) && r.method !== "GET" && r.method !== "HEAD");
    const manifest = about.findIndex((r) => r.method === "PUT" && r.path === `/v2/${appName}/manifests/r-00000000cafe` && r.status === 201);
    const firstMachine = about.findIndex((r) => r.method === "POST" && r.path === `/apps/${appName}/machines`);
    assert.ok(appVisible >= 0 && appVisible < firstPush, "the push came after the app showed");
    assert.ok(manifest >= 0 && manifest < firstMachine, "the first machine came after the image's manifest");
    assert.ok(about.every((r) => r.status !== 400), "no machine was refused for a missing image");
    for (const machine of bed.api.model.machinesOf(appName)) assert.equal(machine.config.image, "registry.fly.io/mcp-hosting-up:r-00000000cafe");
  });

  it("turned on Fly's metrics scraping of every machine, on a port Fly's proxy does not serve, and told the server that port", () => {
    for (const machine of bed.api.model.machinesOf(appName)) {
      assert.deepEqual(machine.config.metrics, { port: 9091, path: "/metrics" }, machine.region);
      assert.equal((machine.config.env as Record<string, string> | undefined)?.["MCP_METRICS_PORT"], "9091");
      const served = ((machine.config.services ?? []) as { internal_port: number }[]).map((service) => service.internal_port);
      assert.ok(!served.includes(9091), "the metrics port is in no service: it is not public");
    }
  });

  it("rolled the machines one region at a time, the primary first", () => {
    const creates = bed.api.calls("POST", `/apps/${appName}/machines`).map((r) => r.body?.["region"]);
    assert.deepEqual(creates, ["iad", "ams", "sin", "syd"]);
  });
});
