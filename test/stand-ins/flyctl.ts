/**
 * A stand-in for flyctl, for the commands this project's pipelines and program
 * run. It talks to the Fly Machines API and registry.fly.io (or the fakes named
 * by `FLY_API_BASE_URL` and `FLY_REGISTRY_URL`) the way flyctl does, so the
 * platform's rules apply to it as they would to the real one:
 *
 * - `deploy --build-only --push --image-label <tag> -a <app> [--dockerfile f]
 *   [--config c] [--label k=v] [dir]`: flyctl looks the app up first and stops
 *   with "the app name … could not be found, did you create the app …?"
 *   (internal/command/deploy/deploy.go, DeployWithConfig); an app with no
 *   machines and no fly.toml has no config to build with ("could not create a
 *   fly.toml from any machines :-(", internal/appconfig/from_machine_set.go).
 *   The image is the build context `.dockerignore` lets through, as one
 *   gzipped layer, with the labels in its config; it is pushed blob by blob and
 *   then the manifest, and flyctl's last lines are printed ("image: …",
 *   "image size: …").
 * - `auth docker` (the stand-in docker reads FLY_API_TOKEN itself), `version`.
 *
 * Every call is appended to `$FAKE_FLYCTL_LOG` (JSON lines) when that is set.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { authorizationFrom, defaultApiBaseUrl, flyTokenFrom } from "../../infra/providers/fly/client.ts";
import { defaultRegistryUrl, FlyRegistry } from "../../infra/providers/fly/registry.ts";
import { defaultTiming } from "../../infra/providers/fly/timing.ts";
import { buildImage, pushImage } from "./image-build.ts";

const argv = process.argv.slice(2);
if (process.env["FAKE_FLYCTL_LOG"]) appendFileSync(process.env["FAKE_FLYCTL_LOG"], `${JSON.stringify({ argv, cwd: process.cwd() })}\n`);

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

async function machinesApi(path: string): Promise<Response> {
  const base = (process.env["FLY_API_BASE_URL"] || defaultApiBaseUrl).replace(/\/+$/, "");
  return await fetch(`${base}${path}`, { headers: { authorization: authorizationFrom(process.env), accept: "application/json" } });
}

async function deploy(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv.slice(1),
    allowPositionals: true,
    options: {
      app: { type: "string", short: "a" },
      config: { type: "string", short: "c" },
      dockerfile: { type: "string" },
      "image-label": { type: "string" },
      label: { type: "string", multiple: true },
      "build-only": { type: "boolean" },
      push: { type: "boolean" },
      "remote-only": { type: "boolean" },
      "local-only": { type: "boolean" },
    },
  });
  if (!values["build-only"]) fail("this stand-in only builds (--build-only); machines are deployed by the Pulumi program");
  try {
    flyTokenFrom(process.env);
  } catch {
    fail("no access token available. Please login with 'flyctl auth login'");
  }
  const dir = resolve(positionals[0] ?? ".");
  const configPath = values.config ? resolve(values.config) : join(dir, "fly.toml");
  const fromConfig = existsSync(configPath) ? /^app\s*=\s*"([^"]+)"/m.exec(readFileSync(configPath, "utf8"))?.[1] : undefined;
  const app = values.app ?? fromConfig;
  if (!app) fail("the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag");
  const found = await machinesApi(`/apps/${encodeURIComponent(app)}`);
  if (found.status === 404) fail(`the app name ${app} could not be found, did you create the app or misspell it in the fly.toml file or via -a?`);
  if (!found.ok) fail(`failed to get app ${app}: ${found.status} ${await found.text()}`);
  if (!existsSync(configPath)) {
    const machines = (await (await machinesApi(`/apps/${encodeURIComponent(app)}/machines`)).json()) as unknown[];
    if (machines.length === 0) fail("failed to grab app config from existing machines, error: could not create a fly.toml from any machines :-(");
  }
  const dockerfile = values.dockerfile ? (isAbsolute(values.dockerfile) ? values.dockerfile : join(dir, values.dockerfile)) : join(dir, "Dockerfile");
  if (!existsSync(dockerfile)) fail(`dockerfile '${dockerfile}' not found`);
  const tag = values["image-label"] ?? `deployment-${Date.now()}`;

  process.stdout.write(`==> Building image with Depot (stand-in)\n--> build context: ${dir}, dockerfile: ${dockerfile}\n`);
  const labels = Object.fromEntries((values.label ?? []).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
  const image = buildImage(dir, dockerfile, labels);
  const ref = `registry.fly.io/${app}:${tag}`;
  if (!values.push) {
    process.stdout.write(`--> Building image done\nimage: ${ref}\n`);
    return;
  }
  await pushImage(new FlyRegistry({ baseUrl: process.env["FLY_REGISTRY_URL"] || defaultRegistryUrl, timing: defaultTiming }), app, tag, image);
  process.stdout.write(`--> Pushing image done\nimage: ${ref}\nimage size: ${Math.round((image.layer.length + image.config.length) / 1000)} kB\n`);
}

const command = argv[0];
if (command === "auth" && argv[1] === "docker") process.stdout.write("Authentication successful. You can now tag and push images to registry.fly.io/{your-app}\n");
else if (command === "version") process.stdout.write("flyctl v0.0.0-stand-in (mcp-hosting test/stand-ins/flyctl.ts)\n");
else if (command === "deploy") await deploy().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
else fail(`the stand-in flyctl does not do "${argv.join(" ")}" (test/stand-ins/flyctl.ts)`);

