/**
 * Everything a rehearsal runs against, started together and stopped together:
 * four empty accounts (Fly, Cloudflare, Modal, AWS S3), a GitHub repository
 * (a bare git remote, secrets, environments, pull-request comments, the OIDC
 * tokens of its jobs), the official MCP registry, the internet that reaches them
 * (with github.com's release downloads of the registry's publisher), and the team's laptop (a clone, with the
 * stand-in CLIs first on PATH). Nothing leaves 127.0.0.1.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import S3rver from "s3rver";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { startFakeCloudflareApi, type FakeCloudflareApi } from "../fixtures/fake-cloudflare-api.ts";
import { startFakeFlyApi, type FakeFlyApi } from "../fixtures/fake-fly-api.ts";
import { startFakeMcpRegistry, type FakeMcpRegistry } from "../fixtures/fake-mcp-registry.ts";
import { writeAccount, readAccount, type ModalAccountState } from "../stand-ins/modal-account.ts";
import { readsDescriptions, startModelStandIn, type StandInModel } from "../stand-ins/model.ts";
import { cloudflareEdge, type CloudflareEdge } from "./accounts/cloudflare-edge.ts";
import { flyServing, type FlyServing } from "./accounts/fly-serving.ts";
import { modalServing, type ModalServing } from "./accounts/modal-serving.ts";
import { CertificateAuthority } from "./internet/certificates.ts";
import { forwardTo, startInternet, type Internet } from "./internet/proxy.ts";
import type { Repository } from "./workflow/player.ts";

export const PROJECT_ROOT = join(import.meta.dirname, "..", "..");

/** The credentials of the four accounts, as the team creates them on day one. */
export const CREDENTIALS = {
  pulumi: { write: "pul-deploy-0f3e9a", read: "pul-stack-read-7c21b4" },
  cloudflare: { write: "cf-workers-edit-51d0", read: "cf-workers-read-93ab" },
  fly: "fm2_rehearsal-org-token",
  aws: { deploy: { id: "AKIADEPLOYREHEARSAL1", secret: "deploy-secret-rehearsal" }, read: { id: "AKIAREADONLYREHEARS1", secret: "read-secret-rehearsal" } },
  modal: { id: "ak-rehearsal", secret: "as-rehearsal" },
  /** The evals' model key: the stand-in model server refuses any other. */
  model: "sk-rehearsal-model-only",
  /** Prod's `authToken` (its Workers' bearer token), which `verify` in the promote workflow sends as MCP_AUTH_TOKEN. */
  prodAuthToken: "prod-bearer-rehearsal-7d1f0c9a2b64e8f3",
};

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface World {
  dir: string;
  remote: string;
  laptop: string;
  repo: Repository;
  internet: Internet;
  fly: FakeFlyApi;
  cloudflare: FakeCloudflareApi;
  s3: { endpoint: string; client: S3Client; buckets(): Promise<string[]> };
  modal: { account: string; state(): ModalAccountState };
  edge: CloudflareEdge;
  flyMachines: FlyServing;
  modalApps: ModalServing;
  /** The model the evals ask (an OpenAI-compatible stand-in on loopback, reached with a model-only key). */
  model: StandInModel;
  /** The official MCP registry (registry.modelcontextprotocol.io) and GitHub's OIDC token service. */
  mcpRegistry: FakeMcpRegistry;
  /**
   * What github.com serves as any release's mcp-publisher_linux_amd64.tar.gz: the stand-in publisher.
   * Its sha256 is not the real archive's, so a run replaces the workflow's pinned MCP_PUBLISHER_SHA256 with it.
   */
  publisherArchive: { sha256: string };
  /** The environment of every command: stand-ins first on PATH, the internet's proxy and CA, the fakes' homes. */
  env: NodeJS.ProcessEnv;
  /** The deploy credentials a person with the accounts has on the laptop (the same ones the environments hold). */
  deployCredentials: Record<string, string>;
  /** A command in a folder, as a person types it. */
  sh(command: string, cwd?: string, env?: NodeJS.ProcessEnv): Promise<CommandResult>;
  git(cwd: string, ...args: string[]): string;
  close(): Promise<void>;
}

function which(command: string, path: string): string {
  return execFileSync("sh", ["-c", `command -v ${command}`], { env: { PATH: path }, encoding: "utf8" }).trim();
}

export async function startWorld(options: { log: (line: string) => void; keep?: boolean }): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-rehearsal-"));
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await Promise.resolve(closer()).catch(() => {});
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The accounts.
    const fly = await startFakeFlyApi({ token: CREDENTIALS.fly, orgs: ["acme"], regions: ["iad", "lax", "ams", "nrt", "fra", "sin"], tickMs: 0, timeScale: 0.02, appPropagation: [404], machinePropagation: 1 });
    closers.push(() => fly.close());
    const cloudflare = await startFakeCloudflareApi({ token: CREDENTIALS.cloudflare.write, readToken: CREDENTIALS.cloudflare.read });
    closers.push(() => cloudflare.close());
    const model = await startModelStandIn({ key: CREDENTIALS.model, policy: readsDescriptions });
    closers.push(() => model.close());
    const mcpRegistry = await startFakeMcpRegistry();
    closers.push(() => mcpRegistry.close());
    const s3dir = join(dir, "s3");
    mkdirSync(s3dir, { recursive: true });
    // The account's two keys: s3rver checks each request's signature against the key's secret. What a key may do is not modelled.
    const accounts = createRequire(import.meta.url)("s3rver/lib/models/account.js") as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
    for (const key of [CREDENTIALS.aws.deploy, CREDENTIALS.aws.read]) accounts.DUMMY_ACCOUNT.createKeyPair(key.id, key.secret);
    const s3rver = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: s3dir });
    const { port: s3port } = (await s3rver.run()) as { port: number };
    closers.push(() => s3rver.close());
    const s3endpoint = `http://127.0.0.1:${s3port}`;
    const s3client = new S3Client({ region: "us-east-1", endpoint: s3endpoint, forcePathStyle: true, credentials: { accessKeyId: CREDENTIALS.aws.deploy.id, secretAccessKey: CREDENTIALS.aws.deploy.secret } });
    closers.push(() => s3client.destroy());
    const modalAccount = join(dir, "modal", "account.json");
    mkdirSync(dirname(modalAccount), { recursive: true });
    writeAccount({ workspace: "acme", environments: { main: { webSuffix: "" }, staging: { webSuffix: "staging" } }, tokens: [CREDENTIALS.modal], apps: {} }, modalAccount);
    const pulumiHome = join(dir, "pulumi");
    mkdirSync(pulumiHome, { recursive: true });
    writeFileSync(join(pulumiHome, "tokens.json"), JSON.stringify({ write: [CREDENTIALS.pulumi.write], read: [CREDENTIALS.pulumi.read] }));

    // The internet, and what runs behind the platforms' public names.
    const authority = new CertificateAuthority(join(dir, "ca"));
    const internet = await startInternet(authority);
    closers.push(() => internet.close());
    const realPath = process.env["PATH"] ?? "";
    const path = [join(PROJECT_ROOT, "test", "stand-ins", "bin"), join(PROJECT_ROOT, "node_modules", ".bin"), realPath].join(":");
    const home = join(dir, "home");
    mkdirSync(home, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      PATH: path,
      HOME: home,
      LANG: "C.UTF-8",
      TMPDIR: tmpdir(),
      NODE_USE_ENV_PROXY: "1",
      HTTPS_PROXY: internet.proxyUrl,
      HTTP_PROXY: internet.proxyUrl,
      NO_PROXY: "127.0.0.1,localhost",
      NODE_EXTRA_CA_CERTS: authority.certPath,
      // curl (the publisher's download) trusts the rehearsal's CA alone.
      CURL_CA_BUNDLE: authority.certPath,
      AWS_ENDPOINT_URL_S3: s3endpoint,
      PYTHONPATH: join(PROJECT_ROOT, "test", "stand-ins", "python"),
      PYTHONDONTWRITEBYTECODE: "1",
      FAKE_MODAL_ACCOUNT: modalAccount,
      REHEARSAL_PULUMI_HOME: pulumiHome,
      REHEARSAL_DOCKER_HOME: join(dir, "docker"),
      REHEARSAL_GITHUB_COMMENTS: join(dir, "github", "comments.json"),
      REHEARSAL_PROJECT: PROJECT_ROOT,
      REHEARSAL_REAL_NPM: which("npm", realPath),
      WRANGLER_SEND_METRICS: "false",
      NO_COLOR: "1",
      // Node's on-disk cache of compiled modules: the story starts some hundred Node processes of the same code.
      NODE_COMPILE_CACHE: join(tmpdir(), "mcp-rehearsal-compile-cache"),
    };
    // The machines, apps and Workers run as the platforms would run them: not through the proxy.
    const serviceEnv: NodeJS.ProcessEnv = { PATH: [join(PROJECT_ROOT, "node_modules", ".bin"), realPath].join(":"), HOME: home, LANG: "C.UTF-8", TMPDIR: tmpdir(), NODE_COMPILE_CACHE: env["NODE_COMPILE_CACHE"] };
    const flyMachines = flyServing(fly, {
      dir: join(dir, "fly"),
      project: PROJECT_ROOT,
      env: serviceEnv,
      s3: { endpoint: s3endpoint, accessKeyId: CREDENTIALS.aws.read.id, secretAccessKey: CREDENTIALS.aws.read.secret },
    });
    closers.push(() => flyMachines.stop());
    const modalApps = modalServing({ account: modalAccount, env: serviceEnv });
    closers.push(() => modalApps.stop());
    const edge = cloudflareEdge(cloudflare, { dir: join(dir, "edge"), outbound: (request) => internet.route(request) });
    closers.push(() => edge.stop());
    internet.host("api.machines.dev", forwardTo(new URL(fly.url).origin));
    internet.host("registry.fly.io", forwardTo(fly.registryUrl));
    internet.host(/\.fly\.dev$/, flyMachines.site);
    internet.host("api.cloudflare.com", forwardTo(new URL(cloudflare.url).origin));
    internet.host(/\.modal\.run$/, modalApps.site);
    internet.host(/(^|\.)example\.com$/, edge.site);
    internet.host("registry.modelcontextprotocol.io", forwardTo(mcpRegistry.url));
    internet.host("pipelines.actions.githubusercontent.com", forwardTo(mcpRegistry.url));
    // The registry's releases: the stand-in publisher, packed as its release archive is (the binary at the top).
    const publisherDir = join(dir, "mcp-publisher");
    mkdirSync(publisherDir, { recursive: true });
    writeFileSync(join(publisherDir, "mcp-publisher"), `#!/bin/sh\n# The registry's publisher for the rehearsal: test/stand-ins/mcp-publisher.ts.\nexec node "${join(PROJECT_ROOT, "test", "stand-ins", "mcp-publisher.ts")}" "$@"\n`);
    chmodSync(join(publisherDir, "mcp-publisher"), 0o755);
    execFileSync("tar", ["-czf", join(dir, "mcp-publisher_linux_amd64.tar.gz"), "-C", publisherDir, "mcp-publisher"]);
    const archive = readFileSync(join(dir, "mcp-publisher_linux_amd64.tar.gz"));
    internet.host("github.com", async (request) =>
      /^\/modelcontextprotocol\/registry\/releases\/download\/v\d+\.\d+\.\d+\/mcp-publisher_linux_amd64\.tar\.gz$/.test(new URL(request.url).pathname)
        ? new Response(archive, { headers: { "content-type": "application/octet-stream" } })
        : new Response("Not Found", { status: 404 }),
    );

    // GitHub: the repository with the team's code, its secrets and environments.
    const remote = join(dir, "github", "acme", "mcp-hosting.git");
    mkdirSync(remote, { recursive: true });
    const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...env, GIT_AUTHOR_NAME: "Team", GIT_AUTHOR_EMAIL: "team@acme.example", GIT_COMMITTER_NAME: "Team", GIT_COMMITTER_EMAIL: "team@acme.example" }, stdio: ["ignore", "pipe", "pipe"] }).trim();
    git(remote, "init", "-q", "--bare", "-b", "main");
    // GitHub serves any commit a ref reaches (a pull request's merge commit is fetched by its sha).
    git(remote, "config", "uploadpack.allowReachableSHA1InWant", "true");
    const laptop = join(dir, "laptop", "mcp-hosting");
    mkdirSync(laptop, { recursive: true });
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: PROJECT_ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    for (const file of files) {
      try {
        cpSync(join(PROJECT_ROOT, file), join(laptop, file), { recursive: true, verbatimSymlinks: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // a file deleted in the working tree
      }
    }
    git(laptop, "init", "-q", "-b", "main");
    git(laptop, "add", "--all");
    git(laptop, "commit", "-qm", "The team's repository, as it is today");
    git(laptop, "remote", "add", "origin", remote);
    git(laptop, "push", "-q", "origin", "main");
    const commentsFile = env["REHEARSAL_GITHUB_COMMENTS"]!;
    writeFileSync(commentsFile, "[]");
    const deploySecrets = {
      PULUMI_ACCESS_TOKEN: CREDENTIALS.pulumi.write,
      CLOUDFLARE_API_TOKEN: CREDENTIALS.cloudflare.write,
      AWS_ACCESS_KEY_ID: CREDENTIALS.aws.deploy.id,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.aws.deploy.secret,
      FLY_API_TOKEN: CREDENTIALS.fly,
    };
    const repo: Repository = {
      name: "acme/mcp-hosting",
      remote,
      secrets: {
        READONLY_PULUMI_ACCESS_TOKEN: CREDENTIALS.pulumi.read,
        READONLY_CLOUDFLARE_API_TOKEN: CREDENTIALS.cloudflare.read,
        READONLY_AWS_ACCESS_KEY_ID: CREDENTIALS.aws.read.id,
        READONLY_AWS_SECRET_ACCESS_KEY: CREDENTIALS.aws.read.secret,
        // The evals' model: a key that reaches a model API only.
        EVAL_OPENAI_API_KEY: CREDENTIALS.model,
        EVAL_OPENAI_BASE_URL: model.openAiBaseUrl,
      },
      dependabotSecrets: {},
      environments: {
        staging: { secrets: deploySecrets, reviewers: [], branches: ["main"] },
        production: { secrets: { ...deploySecrets, MCP_AUTH_TOKEN: CREDENTIALS.prodAuthToken }, reviewers: ["lead"], branches: ["main"] },
      },
      commentsFile,
    };

    const sh = (command: string, cwd = laptop, extra: NodeJS.ProcessEnv = {}) =>
      new Promise<CommandResult>((resolve) => {
        options.log(`    $ ${command}`);
        const child = spawn("bash", ["-c", command], { cwd, env: { ...env, GIT_AUTHOR_NAME: "Team", GIT_AUTHOR_EMAIL: "team@acme.example", GIT_COMMITTER_NAME: "Team", GIT_COMMITTER_EMAIL: "team@acme.example", ...extra }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("close", (code) => {
          for (const line of `${stdout}${stderr}`.trimEnd().split("\n").filter(Boolean).slice(-40)) options.log(`        ${line}`);
          resolve({ code: code ?? 1, stdout, stderr });
        });
      });

    return {
      dir,
      remote,
      laptop,
      repo,
      internet,
      fly,
      cloudflare,
      s3: { endpoint: s3endpoint, client: s3client, buckets: async () => ((await s3client.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!).sort() },
      modal: { account: modalAccount, state: () => readAccount(modalAccount) },
      edge,
      flyMachines,
      modalApps,
      model,
      mcpRegistry,
      publisherArchive: { sha256: createHash("sha256").update(archive).digest("hex") },
      env,
      deployCredentials: deploySecrets,
      sh,
      git,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
