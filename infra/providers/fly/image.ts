/**
 * FlyImage: the release's image in the app's own repository of registry.fly.io
 * before any machine is created or updated to run it. Fly's registry has a
 * repository per app, so nothing can be pushed before the app exists (fly.io
 * docs, blueprints/using-the-fly-docker-registry), and a machine whose image
 * is not there is refused (400 "failed to get manifest …"). So the first
 * `pulumi up` goes app → image → machines, and every later one finds the tag
 * and does nothing. The tag is got, in this order:
 *
 * 1. already in the app's repository: kept (a re-run, or an image pushed by hand);
 * 2. in `copyFrom`'s repository (another app of the organization, e.g. prod
 *    copying what staging ran): copied blob by blob, same digest, never rebuilt;
 * 3. built here, with flyctl's remote builder (`flyctl deploy --build-only
 *    --push --image-label <tag>`, superfly/flyctl internal/command/deploy), but
 *    only from a checkout whose Fly inputs hash to the release's recorded
 *    `fly.inputsSha256`: a release's image is never built from other sources.
 *
 * The tag is never deleted (Fly has no API for it, and a rollback of the
 * machines may need it again).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { flyInputsSha256 } from "../../../stacks/release/fly-inputs.ts";
import type { ApiTarget, ProviderContext } from "./context.ts";
import { diffResource, hasUnknown, type DiffRules } from "./diff.ts";
import type { FlyHandler } from "./handler.ts";
import { RegistryError } from "./registry.ts";

export interface FlyImageBuild {
  /** The checkout to build from, relative to the provider's working directory, which is the program's (infra/). @example ".." */
  projectDir: string;
  /** The Dockerfile, relative to `projectDir`. @example "app/Dockerfile" */
  dockerfile: string;
  /** The flyctl executable. @default "flyctl" */
  flyctl?: string;
}

export interface FlyImageInputs extends ApiTarget {
  /** Base URL of the registry. Precedence: this, env `FLY_REGISTRY_URL`, https://registry.fly.io. */
  registryUrl?: string;
  appName: string;
  /** The tag in the app's repository. @example "r-3f9a1c7e2b4d" */
  tag: string;
  /** The release the tag holds, for messages and the image's label. @example "r-3f9a1c7e2b4d" */
  release: string;
  /** sha256 over the Fly inputs of the release (its manifest's `fly.inputsSha256`). */
  inputsSha256: string;
  /** The commit the release was built from, named when it cannot be built here. */
  gitCommit?: string;
  /** Another app of the organization whose repository may hold the tag: copied, never rebuilt. */
  copyFrom?: string;
  build: FlyImageBuild;
}

export interface FlyImageOutputs extends FlyImageInputs {
  /** `registry.fly.io/<app>:<tag>` */
  image: string;
  /** The manifest digest the tag named when it was got. */
  digest: string;
  /** How it was got: "already in the registry", "copied from <app>", or "built here". */
  obtained: string;
}

const rules: DiffRules<keyof FlyImageInputs> = {
  inputs: ["appName", "tag", "release", "inputsSha256", "gitCommit", "copyFrom", "build", "registryUrl", "apiBaseUrl"],
  // Another image is another resource; how it may be got changes nothing once it is there.
  replaceOn: ["appName", "tag"],
  ignore: ["release", "inputsSha256", "gitCommit", "copyFrom", "build", "registryUrl", "apiBaseUrl"],
  deleteBeforeReplace: () => false,
};

const imageOf = (inputs: Pick<FlyImageInputs, "appName" | "tag">) => `registry.fly.io/${inputs.appName}:${inputs.tag}`;

/** Runs flyctl's remote build of the checkout, pushing `<app>:<tag>`; its output goes to the engine's log. */
async function build(inputs: FlyImageInputs): Promise<void> {
  const dir = resolve(inputs.build.projectDir);
  // flyctl needs an app config for an app with no machines yet (internal/appconfig FromRemoteApp
  // fails "could not create a fly.toml from any machines"): a minimal one names the app.
  const configDir = mkdtempSync(join(tmpdir(), "mcp-fly-build-"));
  try {
    const config = join(configDir, "fly.toml");
    writeFileSync(config, `app = ${JSON.stringify(inputs.appName)}\n`);
    const args = [
      "deploy", "--build-only", "--push", "--remote-only",
      "--app", inputs.appName,
      "--image-label", inputs.tag,
      "--label", `mcp-hosting.release=${inputs.release}`,
      "--dockerfile", join(dir, inputs.build.dockerfile),
      "--config", config,
      dir,
    ];
    const flyctl = inputs.build.flyctl ?? "flyctl";
    const code = await new Promise<number | null>((done, fail) => {
      // Its output goes to the provider's stderr, which the engine shows; the provider's stdout is the engine's.
      const child = spawn(flyctl, args, { cwd: dir, stdio: ["ignore", 2, 2] });
      child.on("error", (error) => fail(new Error(`${flyctl} could not be started (${error.message}); expected flyctl on PATH (superfly/flyctl-actions/setup-flyctl in CI)`)));
      child.on("close", done);
    });
    if (code !== 0) throw new Error(`${flyctl} ${args.slice(0, 4).join(" ")} … for ${imageOf(inputs)} exited ${code}`);
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

async function ensure(ctx: ProviderContext, inputs: FlyImageInputs): Promise<FlyImageOutputs> {
  const registry = ctx.registryFor(inputs);
  const image = imageOf(inputs);
  const done = (digest: string, obtained: string): FlyImageOutputs => ({ ...inputs, image, digest, obtained });

  const present = await registry.manifest(inputs.appName, inputs.tag);
  if (present) return done(present.digest, "already in the registry");

  if (inputs.copyFrom) {
    const source = await registry.manifest(inputs.copyFrom, inputs.tag).catch((error: unknown) => {
      // The source app may be gone, or in an organization this token cannot read: then it cannot be copied.
      if (error instanceof RegistryError && [403, 404].includes(error.status)) return undefined;
      throw error;
    });
    if (source) return done(await registry.copy(inputs.copyFrom, inputs.tag, inputs.appName, inputs.tag), `copied from ${inputs.copyFrom}`);
  }

  const here = flyInputsSha256(resolve(inputs.build.projectDir));
  if (here !== inputs.inputsSha256) {
    const where = inputs.copyFrom ? `neither in ${inputs.appName}'s nor in ${inputs.copyFrom}'s repository` : `not in ${inputs.appName}'s repository`;
    throw new Error(
      `${image}: the image of ${inputs.release} is ${where}, and this checkout is not ${inputs.release}'s Fly sources ` +
        `(their sha256 is ${here.slice(0, 12)} here, ${inputs.inputsSha256.slice(0, 12)} in the release). Build it from the release's commit ` +
        `(${inputs.gitCommit ? `git checkout ${inputs.gitCommit} && ` : ""}pulumi up), or set fly.imageFrom to the app whose registry holds it`,
    );
  }
  await build(inputs);
  const pushed = await registry.manifest(inputs.appName, inputs.tag);
  if (!pushed) throw new Error(`${image}: flyctl finished, but the registry does not hold the tag`);
  return done(pushed.digest, "built here");
}

export function imageProvider(ctx: ProviderContext): FlyHandler<FlyImageInputs, FlyImageOutputs> {
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      // Values not known yet (a preview) are checked at `up`.
      const known = (value: unknown): value is string => typeof value === "string" && !hasUnknown(value);
      // A tag (distribution spec): at most 128 of [A-Za-z0-9_.-], not starting with . or -.
      if (known(news.tag) && !/^[\w][\w.-]{0,127}$/.test(news.tag)) failures.push({ property: "tag", reason: `${JSON.stringify(news.tag)} is not an image tag` });
      if (known(news.inputsSha256) && !/^[0-9a-f]{64}$/.test(news.inputsSha256)) failures.push({ property: "inputsSha256", reason: "expected a sha256 in hex" });
      return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
      return diffResource(rules, { ...olds }, { ...news });
    },
    async create(inputs) {
      const outs = await ensure(ctx, inputs);
      return { id: outs.image, outs };
    },
    async read(id, props) {
      if (!props) return { id };
      const found = await ctx.registryFor(props).manifest(props.appName, props.tag);
      return found ? { id, props: { ...props, digest: found.digest } } : { id: "", props: undefined };
    },
    async update(_id, _olds, news) {
      return { outs: await ensure(ctx, news) };
    },
    /** Tags stay: Fly has no API to remove one, and machines rolled back may need it. */
    async delete() {},
  };
}
