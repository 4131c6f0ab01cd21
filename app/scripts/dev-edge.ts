/**
 * `npm run dev:edge`: the Worker as Cloudflare would run it, under workerd
 * (`wrangler dev`, offline), at http://127.0.0.1:8788/v1/mcp. Its `fly` tools
 * reach a local Node service and its `modal` tools the local compute runner,
 * both signed with a key made for this run. With `MCP_OAUTH_ISSUER` (and its
 * companions) set, both take OAuth access tokens from that issuer.
 *
 *   npm run dev:edge -- [--port 8788] [--node-port 8787] [--state .data/edge-state]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildEdge } from "./build-edge.ts";
import { migrationStepOnTheWire, workerPlatform } from "./worker-platform.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const { values: flags } = parseArgs({
  options: {
    port: { type: "string", default: "8788" },
    "node-port": { type: "string", default: "8787" },
    state: { type: "string", default: `${ROOT}.data/edge-state` },
  },
});

const children: ChildProcess[] = [];
function stopAll(code: number): never {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

/** Starts a child and resolves with the first match of `ready` in its output. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp | undefined, label: string): Promise<RegExpExecArray | undefined> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    if (ready === undefined) resolve(undefined);
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(`[${label}] ${chunk}`);
      const match = ready?.exec(output);
      if (match) resolve(match);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      reject(new Error(`${label} exited with ${code}`));
      stopAll(1);
    });
  });
}

/** Polls the Worker's health endpoint: wrangler's own log lines are not a stable signal. */
async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const healthy = await fetch(url).then((response) => response.ok, () => false);
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.error(`the Worker did not answer ${url} within ${timeoutMs / 1000} s`);
  stopAll(1);
}

/** MCP_OAUTH_ISSUER and its companions, passed on to the Worker as they are to the Node service (which inherits them). */
function oauthVars(): Record<string, string> {
  const names = ["MCP_OAUTH_ISSUER", "MCP_OAUTH_SCOPES", "MCP_OAUTH_TOOL_SCOPES", "MCP_PUBLIC_URL"];
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

const bundle = await buildEdge();
const secret = randomBytes(32).toString("hex");

const node = await start(
  process.execPath,
  [`${ROOT}app/src/runtimes/node-main.ts`],
  // MCP_PUBLIC_URL names the Worker's origin; the Node service's own endpoint is where it listens.
  { PORT: flags["node-port"], MCP_UPSTREAM_SECRET: secret, MCP_DATA_DIR: process.env.MCP_DATA_DIR ?? `${ROOT}.data`, MCP_PUBLIC_URL: undefined },
  /listening on (http:\/\/[^/\s]+)\S*.*compute (http:\/\/[\d.:]+)/,
  "node",
);
const [, flyOrigin, modalUrl] = node!;

// wrangler reads secrets from a `.dev.vars` file beside its config; both are made per run.
const configDir = `${ROOT}.data/edge-config`;
mkdirSync(configDir, { recursive: true });
writeFileSync(
  `${configDir}/wrangler.json`,
  JSON.stringify(
    {
      name: "mcp-hosting-edge",
      compatibility_date: workerPlatform.compatibilityDate,
      compatibility_flags: workerPlatform.compatibilityFlags,
      durable_objects: { bindings: workerPlatform.durableObjects.map(({ binding, className }) => ({ name: binding, class_name: className })) },
      migrations: workerPlatform.migrations.map((step) => ({ tag: step.tag, ...migrationStepOnTheWire(step) })),
      vars: { API_VERSIONS: "v1,v2", FLY_ORIGIN: flyOrigin, MODAL_URL: modalUrl, MCP_ALLOWED_ORIGINS: "localhost", ...oauthVars() },
      observability: { enabled: false },
    },
    null,
    2,
  ),
);
const devVars = [`MCP_UPSTREAM_SECRET=${secret}`, ...(process.env.MCP_AUTH_TOKEN ? [`MCP_AUTH_TOKEN=${process.env.MCP_AUTH_TOKEN}`] : [])];
writeFileSync(`${configDir}/.dev.vars`, `${devVars.join("\n")}\n`, { mode: 0o600 });

// wrangler exports no bin path; its package root is resolved from its main entry.
const wrangler = fileURLToPath(new URL("../bin/wrangler.js", import.meta.resolve("wrangler")));
await start(
  process.execPath,
  [wrangler, "dev", bundle.path, "--no-bundle", "-c", `${configDir}/wrangler.json`, "--ip", "127.0.0.1", "--port", flags.port, "--persist-to", flags.state, "--show-interactive-dev-session=false"],
  { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  undefined,
  "wrangler",
);
await waitForHealth(`http://127.0.0.1:${flags.port}/healthz`, 60_000);
console.log(`edge listening on http://127.0.0.1:${flags.port}/v1/mcp  (fly → ${flyOrigin}, modal → ${modalUrl}, state ${flags.state})`);
