/**
 * What the stand-in builders (flyctl's remote builder, docker) make of a build:
 * the context `.dockerignore` lets through as one gzipped layer, the same bytes
 * for the same content, and an image config with the Dockerfile's final ENV,
 * WORKDIR and CMD and the build's labels; and how they push it to a Docker
 * Registry v2 (blob by blob, then the manifest).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dockerContextFiles } from "../../stacks/release/fly-inputs.ts";
import { FlyRegistry, sha256Digest } from "../../infra/providers/fly/registry.ts";

export interface BuiltImage {
  config: Buffer;
  layer: Buffer;
}

export const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

function run(command: string, args: string[], input: Buffer | string): Buffer {
  const result = spawnSync(command, args, { input, maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

/** The final stage's ENV (both `ENV K=V …` and `ENV K V`), WORKDIR and CMD of a Dockerfile. */
export function dockerfileSettings(text: string): { env: string[]; workdir: string; cmd: string[] } {
  const lines = text.replace(/\\\n/g, " ").split("\n").map((line) => line.trim());
  const stage = lines.slice(lines.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true));
  const env: string[] = [];
  let workdir = "/";
  let cmd: string[] = [];
  for (const line of stage) {
    const [instruction = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (/^ENV$/i.test(instruction)) {
      const pairs = [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)].map((m) => `${m[1]}=${m[2]!.replace(/^"|"$/g, "")}`);
      env.push(...(pairs.length > 0 ? pairs : [args.replace(/\s+/, "=")]));
    } else if (/^WORKDIR$/i.test(instruction)) workdir = args;
    else if (/^CMD$/i.test(instruction)) cmd = args.startsWith("[") ? (JSON.parse(args) as string[]) : ["/bin/sh", "-c", args];
  }
  return { env, workdir, cmd };
}

export function buildImage(dir: string, dockerfile: string, labels: Record<string, string>): BuiltImage {
  const files = dockerContextFiles(dir);
  const tar = run("tar", ["-c", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", dir, "-T", "-"], files.join("\n"));
  const layer = run("gzip", ["-n", "-c"], tar);
  const settings = dockerfileSettings(readFileSync(dockerfile, "utf8"));
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Labels: labels, Env: settings.env, WorkingDir: settings.workdir, Cmd: settings.cmd },
      rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
    }),
  );
  return { config, layer };
}

/** Pushes an image to `repo:tag`: both blobs, then the manifest that names them. */
export async function pushImage(registry: FlyRegistry, repo: string, tag: string, image: BuiltImage): Promise<string> {
  const configDigest = await registry.putBlob(repo, image.config);
  const layerDigest = await registry.putBlob(repo, image.layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_V2,
      config: { mediaType: "application/vnd.docker.container.image.v1+json", size: image.config.length, digest: configDigest },
      layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: image.layer.length, digest: layerDigest }],
    }),
  );
  return await registry.putManifest(repo, tag, { mediaType: MANIFEST_V2, bytes: manifest });
}
