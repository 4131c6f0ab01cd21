/**
 * Proof that the ES-module provider survives Pulumi's closure serialization:
 * the text each resource's constructor serializes is loaded the way Pulumi's
 * dynamic-provider host loads it (`require-from-string`, then `.handler()`) and
 * then drives real CRUD calls against the fake Fly API.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { startFakeFlyApi, type FakeFlyApi } from "../../../test/fixtures/fake-fly-api.ts";
import { serializableProvider } from "./provider.ts";
import { FlyApp, FlyIpAssignment, FlyMachine, FlySecrets, FlyVolume } from "./resources.ts";

// Exactly what @pulumi/pulumi/cmd/dynamic-provider uses to load a serialized provider.
const pulumiRequire = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));
const requireFromString = pulumiRequire("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };
const load = (text: string) => requireFromString(text).handler();

const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const unwrap = (value: unknown): unknown =>
  typeof value === "object" && value !== null && Object.values(value).includes(secretSig) ? (value as { value: unknown }).value : value;

const token = "tok-must-never-be-serialized";
const serialized = new Map<string, string>();
let api: FakeFlyApi;

before(async () => {
  // tickMs 0: health checks pass the moment a machine starts, so the real 2 s poll interval is never slept.
  api = await startFakeFlyApi({ token, tickMs: 0 });
  process.env["FLY_API_TOKEN"] = token;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        serialized.set(args.type, String(unwrap(args.inputs["__provider"])));
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "mcp-hosting",
    "test",
  );
  const target = { apiBaseUrl: api.url };
  const app = new FlyApp("app", { ...target, name: "serialized", org: "personal" });
  new FlyVolume("volume", { ...target, appName: "serialized", name: "data", region: "ams", sizeGb: 1 });
  new FlySecrets("secrets", { ...target, appName: "serialized", values: pulumi.secret({ K: "v" }) });
  new FlyIpAssignment("ip", { ...target, appName: "serialized", type: "v6" });
  const machine = new FlyMachine("machine", {
    ...target, appName: "serialized", name: "app-ams", region: "ams", image: "registry.fly.io/serialized:r1",
    guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 }, internalPort: 8080,
  });
  await new Promise((resolve) => pulumi.all([app.urn, machine.urn]).apply(resolve));
  await new Promise((resolve) => setImmediate(resolve));
});

after(async () => {
  delete process.env["FLY_API_TOKEN"];
  await api.close();
});

describe("serialized Fly provider (ES modules)", () => {
  it("every resource's constructor serialized a provider, with no token and no copy of the provider's code", () => {
    assert.deepEqual([...serialized.keys()].sort(), [
      "pulumi-nodejs:dynamic/fly:App",
      "pulumi-nodejs:dynamic/fly:IpAssignment",
      "pulumi-nodejs:dynamic/fly:Machine",
      "pulumi-nodejs:dynamic/fly:Secrets",
      "pulumi-nodejs:dynamic/fly:Volume",
    ]);
    for (const text of serialized.values()) {
      assert.doesNotMatch(text, new RegExp(token));
      assert.match(text, /kinds\.ts/);
      assert.ok(text.length < 10_000, `a small provider, not a bundle of modules (${text.length} chars)`);
    }
  });

  it("the deserialized providers create, read, diff and delete against the Machines API, reading the token at call time", async () => {
    const props = { apiBaseUrl: api.url };
    const appProvider = load(serialized.get("pulumi-nodejs:dynamic/fly:App")!);
    const created = await appProvider.create({ ...props, name: "serialized", org: "personal" });
    assert.equal(created.id, "serialized");
    assert.ok(api.model.apps.has("serialized"));
    assert.equal((await appProvider.read!(created.id, created.outs)).id, "serialized");
    assert.deepEqual(await appProvider.diff!(created.id, created.outs, { ...props, name: "serialized", org: "personal" }), { changes: false });

    api.registry.pushImage("serialized", "r1");
    const machineProvider = load(serialized.get("pulumi-nodejs:dynamic/fly:Machine")!);
    const machineInputs = {
      ...props, appName: "serialized", name: "app-ams", region: "ams", image: "registry.fly.io/serialized:r1",
      guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 }, internalPort: 8080,
    };
    const machine = await machineProvider.create(machineInputs);
    assert.equal(api.model.machines.get(machine.id)?.state, "started");
    await machineProvider.delete!(machine.id, machine.outs);
    assert.equal((await machineProvider.read!(machine.id, machine.outs)).id, "");

    delete process.env["FLY_API_TOKEN"];
    try {
      await assert.rejects(appProvider.read!(created.id, created.outs), /No Fly\.io API token: set FLY_API_TOKEN/);
    } finally {
      process.env["FLY_API_TOKEN"] = token;
    }
  });

  it("pulumi.runtime.serializeFunction of the provider alone works too, and finds the code from the project root when the absolute path is stale", async () => {
    const { text } = await pulumi.runtime.serializeFunction(() => serializableProvider("ip"), { allowSecrets: false });
    const kindsUrl = new URL("./kinds.ts", import.meta.url).href;
    assert.ok(text.includes(kindsUrl));
    // State written on another machine: the absolute path does not exist here.
    const moved = text.replaceAll(kindsUrl, "file:///elsewhere/checkout/infra/providers/fly/kinds.ts");
    const provider = load(moved);
    api.model.createApp("serialized-ip", "personal", "");
    const { id } = await provider.create({ apiBaseUrl: api.url, appName: "serialized-ip", type: "v6" });
    assert.equal(api.model.apps.get("serialized-ip")?.ips[0]?.ip, id);
  });

  it("loads and runs in a separate CommonJS process, as Pulumi's dynamic-provider host runs it", async () => {
    // The host is CommonJS and compiles the text with require-from-string; the provider
    // then imports the TypeScript handlers through Node's own type stripping.
    const host = `
      const rfs = require(${JSON.stringify(pulumiRequire.resolve("require-from-string"))});
      const provider = rfs(process.env.PROVIDER_TEXT).handler();
      provider.create({ apiBaseUrl: process.env.API, appName: "serialized-host", type: "shared_v4" })
        .then((result) => console.log(JSON.stringify(result)), (error) => { console.error(error.message); process.exit(1); });`;
    api.model.createApp("serialized-host", "personal", "");
    const dir = await mkdtemp(join(tmpdir(), "fly-host-"));
    const script = join(dir, "host.cjs");
    await writeFile(script, host);
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      cwd: process.cwd(),
      env: { PATH: process.env["PATH"], FLY_API_TOKEN: token, API: api.url, PROVIDER_TEXT: serialized.get("pulumi-nodejs:dynamic/fly:IpAssignment")! },
      timeout: 20_000,
    }).finally(() => rm(dir, { recursive: true, force: true }));
    const result = JSON.parse(stdout) as { id: string; outs: { shared: boolean } };
    assert.equal(result.outs.shared, true);
    assert.equal(api.model.apps.get("serialized-host")?.ips[0]?.ip, result.id);
  });
});
