/**
 * FlyImage against the fake Machines API and registry.fly.io, with the
 * stand-in flyctl (test/stand-ins/flyctl.ts) doing the remote build: an image
 * is got into the app's repository after the app exists, by keeping, copying
 * or building it, and only ever from the release's own sources.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFlyTestBed, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { flyInputsSha256 } from "../../../stacks/release/fly-inputs.ts";
import { appProvider } from "./app.ts";
import { createContext } from "./context.ts";
import { imageProvider, type FlyImageInputs } from "./image.ts";
import { machineProvider } from "./machine.ts";

const flyctl = join(import.meta.dirname, "..", "..", "..", "test", "stand-ins", "bin", "flyctl");

/** A command's exit code and output; asynchronous, since the fakes it talks to run in this process. */
async function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, { env, encoding: "utf8" });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** A checkout with a Dockerfile and a build context, as the project has them. */
function checkout(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-image-"));
  const all = { ".dockerignore": "*\n!package.json\n!app/src/**\n", "app/Dockerfile": "FROM node:24-slim\nCOPY app/src app/src\n", "package.json": "{}", "app/src/server.ts": "export {};\n", "README.md": "not in the image", ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("FlyImage", () => {
  let bed: FlyTestBed;
  let env: Record<string, string | undefined>;
  let images: ReturnType<typeof imageProvider>;
  let appCount = 0;

  before(async () => {
    bed = await startFlyTestBed();
    // What the provider process sees: the token, and the fakes' addresses (flyctl inherits them).
    env = { ...process.env, FLY_API_TOKEN: bed.api.token, FLY_API_BASE_URL: bed.api.url, FLY_REGISTRY_URL: bed.api.registryUrl };
    Object.assign(process.env, { FLY_API_TOKEN: env.FLY_API_TOKEN, FLY_API_BASE_URL: env.FLY_API_BASE_URL, FLY_REGISTRY_URL: env.FLY_REGISTRY_URL });
    images = imageProvider(createContext({ env, timing: bed.ctx.timing }));
  });
  after(async () => {
    for (const key of ["FLY_API_TOKEN", "FLY_API_BASE_URL", "FLY_REGISTRY_URL"]) delete process.env[key];
    await bed.close();
  });

  async function newApp(): Promise<string> {
    const name = `image-app-${++appCount}`;
    await appProvider(bed.ctx).create({ ...bed.target, name, org: "personal" });
    return name;
  }

  const inputs = (appName: string, projectDir: string, overrides: Partial<FlyImageInputs> = {}): FlyImageInputs => ({
    appName,
    tag: "r-3f9a1c7e2b4d",
    release: "r-3f9a1c7e2b4d",
    inputsSha256: flyInputsSha256(projectDir),
    gitCommit: "0123456789abcdef0123456789abcdef01234567",
    build: { projectDir, dockerfile: "app/Dockerfile", flyctl },
    ...overrides,
  });

  it("Fly's registry refuses a push to an app that does not exist yet: name unknown, app repository not found", async () => {
    const dir = checkout();
    const push = await run(flyctl, ["deploy", "--build-only", "--push", "--app", "no-such-app", "--image-label", "r-1", "--dockerfile", "app/Dockerfile", dir], { ...process.env, ...env });
    assert.equal(push.status, 1);
    assert.match(push.stderr, /the app name no-such-app could not be found, did you create the app/);
    // Below flyctl, the registry itself says so.
    bed.api.model.createApp("gone-soon", "personal", "");
    bed.api.model.apps.delete("gone-soon");
    const direct = await run("curl", ["-s", "-u", `x:${bed.api.token}`, "-X", "POST", `${bed.api.registryUrl}/v2/gone-soon/blobs/uploads/`]);
    assert.match(direct.stdout, /"code":"NAME_UNKNOWN","message":"app repository not found"/);
  });

  it("after the app exists, builds the release's image from its own sources with flyctl's remote builder, and a machine can then run it", async () => {
    const app = await newApp();
    const dir = checkout();
    const { id, outs } = await images.create(inputs(app, dir));
    assert.equal(id, `registry.fly.io/${app}:r-3f9a1c7e2b4d`);
    assert.equal(outs.obtained, "built here");
    assert.deepEqual(bed.api.registry.tags(app), ["r-3f9a1c7e2b4d"]);
    assert.equal(bed.api.registry.lookup(app, "r-3f9a1c7e2b4d")?.digest, outs.digest);
    const config = JSON.parse(bed.api.registry.blobs.get(JSON.parse(bed.api.registry.lookup(app, "r-3f9a1c7e2b4d")!.bytes.toString()).config.digest)!.toString());
    assert.equal(config.config.Labels["mcp-hosting.release"], "r-3f9a1c7e2b4d");
    const machine = await machineProvider(bed.ctx).create({ ...bed.target, appName: app, name: "app-ams", region: "ams", image: outs.image, guest: { cpuKind: "shared", cpus: 1, memoryMb: 256 }, internalPort: 8080 });
    assert.equal(machine.outs.state, "started");
  });

  it("a tag the repository holds already is kept: no build, no copy, the same digest", async () => {
    const app = await newApp();
    const digest = bed.api.registry.pushImage(app, "r-3f9a1c7e2b4d");
    const before = bed.api.requests.length;
    const { outs } = await images.create(inputs(app, checkout({ "app/src/server.ts": "other sources: never built" })));
    assert.deepEqual([outs.obtained, outs.digest], ["already in the registry", digest]);
    assert.ok(bed.api.requests.slice(before).every((r) => r.method === "GET" || r.method === "HEAD"), "nothing was written");
  });

  it("copies the tag from another app of the organization by digest (blobs mounted, never rebuilt), as prod takes what staging ran", async () => {
    const staging = await newApp();
    const prod = await newApp();
    const digest = bed.api.registry.pushImage(staging, "r-3f9a1c7e2b4d", { labels: { "mcp-hosting.release": "r-3f9a1c7e2b4d" } });
    const { outs } = await images.create(inputs(prod, checkout({ "app/src/server.ts": "a newer tree: must not be built" }), { copyFrom: staging }));
    assert.deepEqual([outs.obtained, outs.digest], [`copied from ${staging}`, digest]);
    assert.equal(bed.api.registry.lookup(prod, "r-3f9a1c7e2b4d")?.digest, digest);
    const mounts = bed.api.requests.filter((r) => r.method === "POST" && r.path === `/v2/${prod}/blobs/uploads/` && r.query["from"] === staging);
    assert.deepEqual(mounts.map((r) => r.status), [201, 201], "config and layer mounted across repositories");
  });

  it("refuses to build a release's image from a checkout that is not its sources, and says where to build it", async () => {
    const app = await newApp();
    const release = inputs(app, checkout());
    const elsewhere = checkout({ "app/src/server.ts": "export const changed = true;\n" });
    await assert.rejects(
      images.create({ ...release, build: { ...release.build, projectDir: elsewhere } }),
      /registry\.fly\.io\/image-app-\d+:r-3f9a1c7e2b4d: the image of r-3f9a1c7e2b4d is not in image-app-\d+'s repository, and this checkout is not r-3f9a1c7e2b4d's Fly sources .* \(git checkout 0123456789abcdef0123456789abcdef01234567 && pulumi up\), or set fly\.imageFrom/,
    );
    assert.deepEqual(bed.api.registry.tags(app), []);
  });

  it("with a registry that asks for the token exchange, gets a Bearer token with the API token and goes on", async () => {
    const bearerBed = await startFlyTestBed({ api: { registryBearer: true } });
    try {
      const bearerEnv = { FLY_API_TOKEN: bearerBed.api.token, FLY_REGISTRY_URL: bearerBed.api.registryUrl };
      bearerBed.api.model.createApp("bearer-app", "personal", "");
      const digest = bearerBed.api.registry.pushImage("bearer-app", "r-3f9a1c7e2b4d");
      const { outs } = await imageProvider(createContext({ env: bearerEnv, timing: bearerBed.ctx.timing })).create(inputs("bearer-app", checkout()));
      assert.equal(outs.digest, digest);
      assert.ok(bearerBed.api.requests.some((r) => r.path === "/v2/token" && r.status === 200));
    } finally {
      await bearerBed.close();
    }
  });

  it("diff: another app or tag is another image; how it may be got changes nothing once it is there", async () => {
    const olds = { ...inputs("a", "."), inputsSha256: "0".repeat(64), image: "registry.fly.io/a:r-3f9a1c7e2b4d", digest: "sha256:x", obtained: "built here" };
    assert.deepEqual(await images.diff("x", olds, { ...olds, copyFrom: "staging", build: { projectDir: "..", dockerfile: "app/Dockerfile" } }), { changes: false });
    assert.deepEqual(await images.diff("x", olds, { ...olds, tag: "r-8c2e5a1f9d07" }), { changes: true, replaces: ["tag"], deleteBeforeReplace: false });
  });

  it("the project's own Dockerfile context builds: the stand-in sends what .dockerignore lets through", async () => {
    const app = await newApp();
    const project = mkdtempSync(join(tmpdir(), "mcp-image-project-"));
    const root = join(import.meta.dirname, "..", "..", "..");
    for (const path of [".dockerignore", "package.json", "package-lock.json", ".npmrc", "app/package.json", "app/Dockerfile", "app/fly", "app/src/server"]) {
      cpSync(join(root, path), join(project, path), { recursive: true });
    }
    const { outs } = await images.create(inputs(app, project));
    assert.equal(outs.obtained, "built here");
  });
});
