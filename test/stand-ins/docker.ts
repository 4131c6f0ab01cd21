/**
 * A stand-in for the docker CLI, for what the old pipelines ran against the
 * Fly registry: `docker build --tag <ref> [--label k=v] --file <Dockerfile> <dir>`
 * (the image is kept by tag in `$REHEARSAL_DOCKER_HOME`), `docker push <ref>`
 * and `docker buildx imagetools create --tag <to> <from>` against
 * registry.fly.io with the Fly token `flyctl auth docker` would have stored.
 * The registry's rules apply: a push to an app that does not exist yet is
 * refused with "name unknown: app repository not found", the text Docker
 * prints (lyz7805/v2ray4flyio#18).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultRegistryUrl, FlyRegistry, RegistryError } from "../../infra/providers/fly/registry.ts";
import { defaultTiming } from "../../infra/providers/fly/timing.ts";
import { buildImage, pushImage, type BuiltImage } from "./image-build.ts";

const argv = process.argv.slice(2);
const store = process.env["REHEARSAL_DOCKER_HOME"] ?? join(process.env["HOME"] ?? ".", ".docker-stand-in");
mkdirSync(store, { recursive: true });
const fileOf = (ref: string) => join(store, `${ref.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function parseRef(ref: string): { repo: string; tag: string } {
  const match = /^registry\.fly\.io\/([^:]+):(.+)$/.exec(ref);
  if (!match) fail(`the stand-in docker pushes only to registry.fly.io/<app>:<tag>, not ${ref}`);
  return { repo: match[1]!, tag: match[2]! };
}

const registry = () => new FlyRegistry({ baseUrl: process.env["FLY_REGISTRY_URL"] || defaultRegistryUrl, timing: defaultTiming });

/** Docker's own line for a registry error: the code in lower case, then the message. */
function registryFailure(error: unknown): never {
  if (error instanceof RegistryError && error.code) fail(`${error.code.toLowerCase().replace(/_/g, " ")}: ${/(?:: )?([^:]+)$/.exec(error.message)?.[1]?.trim() ?? error.message}`);
  fail(error instanceof Error ? error.message : String(error));
}

if (argv[0] === "build") {
  const { values, positionals } = parseArgs({ args: argv.slice(1), allowPositionals: true, options: { tag: { type: "string", short: "t", multiple: true }, label: { type: "string", multiple: true }, file: { type: "string", short: "f" } } });
  const dir = resolve(positionals[0] ?? ".");
  const labels = Object.fromEntries((values.label ?? []).map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
  const image = buildImage(dir, resolve(values.file ?? join(dir, "Dockerfile")), labels);
  for (const tag of values.tag ?? []) writeFileSync(fileOf(tag), JSON.stringify({ config: image.config.toString("base64"), layer: image.layer.toString("base64") }));
  process.stdout.write(`Successfully built and tagged ${(values.tag ?? []).join(", ")}\n`);
} else if (argv[0] === "push") {
  const ref = argv[1] ?? fail("docker push needs an image");
  let saved: { config: string; layer: string };
  try {
    saved = JSON.parse(readFileSync(fileOf(ref), "utf8")) as { config: string; layer: string };
  } catch {
    fail(`An image does not exist locally with the tag: ${ref}`);
  }
  const image: BuiltImage = { config: Buffer.from(saved.config, "base64"), layer: Buffer.from(saved.layer, "base64") };
  const { repo, tag } = parseRef(ref);
  const digest = await pushImage(registry(), repo, tag, image).catch(registryFailure);
  process.stdout.write(`${tag}: digest: ${digest}\n`);
} else if (argv[0] === "buildx" && argv[1] === "imagetools" && argv[2] === "create") {
  const { values, positionals } = parseArgs({ args: argv.slice(3), allowPositionals: true, options: { tag: { type: "string", short: "t" } } });
  const to = parseRef(values.tag ?? fail("--tag is required"));
  const from = parseRef(positionals[0] ?? fail("a source image is required"));
  await registry().copy(from.repo, from.tag, to.repo, to.tag).catch(registryFailure);
  process.stdout.write(`copied ${positionals[0]} to ${values.tag}\n`);
} else {
  fail(`the stand-in docker does not do "${argv.join(" ")}" (test/stand-ins/docker.ts)`);
}
