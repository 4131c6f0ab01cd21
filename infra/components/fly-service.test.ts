import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { FlyService, rollingOrder, type FlyServiceArgs } from "./fly-service.ts";

/** What the engine was asked to register (names, types, inputs as the engine received them). */
interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const isRpcSecret = (value: unknown) =>
  typeof value === "object" && value !== null && Object.values(value).includes(secretSig);
const unwrap = (value: unknown): unknown => (isRpcSecret(value) ? (value as { value: unknown }).value : value);

const registered: Registered[] = [];
/** Resource name → names of the resources its `dependsOn` option lists. */
const dependsOn = new Map<string, string[]>();

before(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const computed: Record<string, unknown> = {};
        if (args.type.endsWith(":Volume")) computed["volumeId"] = `vol_${args.name}`;
        if (args.type.endsWith(":Machine")) computed["machineId"] = `m_${args.name}`;
        if (args.type.endsWith(":Secrets")) computed["version"] = 7;
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computed } };
      },
      call: () => ({}),
    },
    "mcp-hosting",
    "test",
    false,
  );
});

const names = new Map<pulumi.Resource, string>();
function recordDependsOn(args: pulumi.ResourceTransformationArgs): undefined {
  names.set(args.resource, args.name);
  const deps = args.opts.dependsOn;
  const list = (Array.isArray(deps) ? deps : deps ? [deps] : []) as pulumi.Resource[];
  dependsOn.set(args.name, list.map((dep) => names.get(dep) ?? "?"));
  return undefined;
}

const args: FlyServiceArgs = {
  appName: "mcp-hosting-test",
  org: "personal",
  primaryRegion: "iad",
  regions: ["ams", "iad", "sin", "syd"],
  machine: { cpuKind: "shared", cpus: 1, memoryMb: 512 },
  volumeSizeGb: 1,
  image: "registry.fly.io/mcp-hosting-test:rel-42",
  env: { LOG_LEVEL: "info" },
  secrets: { LITESTREAM_SECRET_ACCESS_KEY: "litestream-s3cr3t", MCP_UPSTREAM_SECRET: "upstream-s3cr3t" },
};

async function settle<T>(output: pulumi.Output<T>): Promise<T> {
  return await new Promise((resolve) => output.apply(resolve));
}

describe("FlyService", () => {
  let service: FlyService;
  before(async () => {
    service = new FlyService("fly", args, { transformations: [recordDependsOn] });
    await settle(service.machineIds);
    await new Promise((resolve) => setImmediate(resolve));
  });

  const ofType = (suffix: string) => registered.filter((r) => r.type.endsWith(`:${suffix}`));

  it("declares one app, a v6 and a shared v4 address, the secrets, and a volume and a machine per region", () => {
    assert.equal(ofType("App").length, 1);
    assert.deepEqual(ofType("IpAssignment").map((r) => r.inputs["type"]).sort(), ["shared_v4", "v6"]);
    assert.equal(ofType("Secrets").length, 1);
    assert.deepEqual(ofType("Volume").map((r) => r.inputs["region"]).sort(), ["ams", "iad", "sin", "syd"]);
    assert.deepEqual(ofType("Machine").map((r) => r.inputs["region"]).sort(), ["ams", "iad", "sin", "syd"]);
    assert.ok(registered.some((r) => r.type === "mcp-hosting:fly:Service"));
  });

  it("mounts in each machine its own region's volume at /data", () => {
    const volumeIdByRegion = new Map(ofType("Volume").map((v) => [v.inputs["region"], `vol_${v.name}`]));
    for (const machine of ofType("Machine")) {
      const mount = machine.inputs["mount"] as { volume: string; path: string };
      assert.equal(mount.volume, volumeIdByRegion.get(machine.inputs["region"]), `machine in ${machine.inputs["region"]}`);
      assert.equal(mount.path, "/data");
    }
    assert.ok(ofType("Volume").every((v) => v.inputs["name"] === "data" && v.inputs["sizeGb"] === 1));
  });

  it("tells every machine which region is the single writer", () => {
    for (const machine of ofType("Machine")) {
      assert.deepEqual(machine.inputs["env"], { LOG_LEVEL: "info", PRIMARY_REGION: "iad" });
    }
  });

  it("rolls one region at a time, primary first: each machine depends on the previous region's machine", () => {
    assert.deepEqual(dependsOn.get("fly-machine-iad"), ["fly-secrets"]);
    assert.deepEqual(dependsOn.get("fly-machine-ams"), ["fly-machine-iad"]);
    assert.deepEqual(dependsOn.get("fly-machine-sin"), ["fly-machine-ams"]);
    assert.deepEqual(dependsOn.get("fly-machine-syd"), ["fly-machine-sin"]);
  });

  it("keeps secrets secret: the engine receives them marked secret, and they appear nowhere else", () => {
    const values = ofType("Secrets")[0]?.inputs["values"];
    assert.ok(isRpcSecret(values), "FlySecrets.values reaches the engine as a secret");
    assert.deepEqual(Object.keys(unwrap(values) as object).sort(), ["LITESTREAM_SECRET_ACCESS_KEY", "MCP_UPSTREAM_SECRET"]);
    const elsewhere = JSON.stringify(registered.filter((r) => !r.type.endsWith(":Secrets")).map((r) => r.inputs));
    assert.doesNotMatch(elsewhere, /s3cr3t/);
  });

  it("rolls machines when the secrets change: each machine wants the secrets version FlySecrets reports", () => {
    assert.ok(ofType("Machine").every((m) => m.inputs["minSecretsVersion"] === 7));
  });

  it("records the release and runs the image on every machine with the configured guest", () => {
    for (const machine of ofType("Machine")) {
      assert.equal(machine.inputs["release"], "rel-42");
      assert.equal(machine.inputs["image"], args.image);
      assert.deepEqual(machine.inputs["guest"], args.machine);
      assert.equal(machine.inputs["internalPort"], 8080);
    }
  });

  it("serializes a provider into every Fly resource that captures no token and no secret", () => {
    for (const resource of registered.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/fly:"))) {
      const provider = String(unwrap(resource.inputs["__provider"]));
      assert.match(provider, /exports\.handler/);
      assert.doesNotMatch(provider, /s3cr3t|FLY_API_TOKEN=|Bearer /);
    }
  });

  it("exposes the app's host, origin and a machine id per region", async () => {
    assert.equal(await settle(service.hostname), "mcp-hosting-test.fly.dev");
    assert.equal(await settle(service.origin), "https://mcp-hosting-test.fly.dev");
    assert.deepEqual(Object.keys(await settle(service.machineIds)).sort(), ["ams", "iad", "sin", "syd"]);
  });
});

describe("FlyService arguments", () => {
  it("rejects a primary region that is not among the regions, naming both", () => {
    assert.throws(() => rollingOrder("fra", ["ams", "iad"]), /primaryRegion "fra" is not one of regions \[ams, iad\]/);
    assert.throws(() => rollingOrder("ams", ["ams", "ams"]), /regions lists ams more than once/);
  });

  it("applies a transform to every machine it creates", async () => {
    const before = registered.length;
    const svc = new FlyService("tx", { ...args, secrets: {}, regions: ["ams"], primaryRegion: "ams", transform: { machine: (a) => { a.autostop = "suspend"; } } });
    await settle(svc.machineIds);
    const machine = registered.slice(before).find((r) => r.type.endsWith(":Machine"));
    assert.equal(machine?.inputs["autostop"], "suspend");
    assert.equal(registered.slice(before).some((r) => r.type.endsWith(":Secrets")), false);
  });
});
