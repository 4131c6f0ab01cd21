/**
 * `npm run dev:edge`: the Worker as Cloudflare would run it, under workerd
 * (`wrangler dev`, offline), at http://127.0.0.1:8788/v1/mcp. Its `fly` tools
 * reach a local Node service and its `modal` tools the local compute runner,
 * both signed with a key made for this run. A change under app/src (however
 * it was saved) rebuilds the bundle, and wrangler reloads it; a build error is
 * reported as `rebuild failed: <file:line:column message>` and the previous
 * build goes on serving. With `MCP_OAUTH_ISSUER` (and its
 * companions) set, both take OAuth access tokens from that issuer.
 *
 * With `--auth builtin` the edge is its own authorization server, as a stack
 * with `auth.mode: builtin` deploys it (app/src/auth/builtin/): its origin is
 * the issuer, its clients and grants live in a local KV namespace, and users
 * sign in at a local OpenID Connect provider (dev-auth/upstream-provider.ts)
 * as whoever the client's `login_hint` names. `MCP_AUTH_UPSTREAM_SECRET` set
 * gives the Worker that secret instead of the provider's, as a misconfigured
 * stack would.
 *
 *   [PORT=8788] [MCP_FIXTURES=conformance] npm run dev:edge -- [--port 8788] [--node-port 8787] [--state .data/edge-state] [--auth builtin]
 *
 * With `MCP_FIXTURES=conformance` the Worker is built with the conformance
 * suite's fixtures (app/src/runtimes/worker/with-fixtures.ts), and the Node
 * service and compute runner, which inherit the variable, serve theirs.
 *
 * Its bundle and wrangler config live in $MCP_DATA_DIR/edge-dev/<port>/ (default .data/).
 *
 * Telemetry stays on this machine too (app/scripts/telemetry/local-telemetry.ts,
 * on --telemetry-port): the Worker's Analytics Engine data points, every
 * span of the Worker, the Node service and the Python runner, and the Node
 * service's /metrics scraped every 5 s. `verify --telemetry <its url>` and
 * `status --telemetry <its url>` read it as they read the cloud.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "../src/runtimes/command-line.ts";
import { watchParent } from "../src/runtimes/parent-lifeline.ts";
import { CIMD_COMPATIBILITY_FLAG, EDGE_ONLY_ENV, OAUTH_KV_BINDING } from "../src/auth/builtin/contract.ts";
import { startDevUpstream } from "./dev-auth/upstream-provider.ts";
import { startLocalTelemetry } from "./telemetry/local-telemetry.ts";
import { buildEdge, EDGE_ENTRY, FIXTURES_ENTRY } from "./build-edge.ts";
import { EdgeRebuilder } from "./edge-rebuilder.ts";
import { migrationStepOnTheWire, workerPlatform } from "./worker-platform.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LIFELINE = fileURLToPath(new URL("./lifeline.ts", import.meta.url));
const HOST = "127.0.0.1";

const USAGE =
  "usage: npm run dev:edge [-- --port 8788] [--node-port 8787] [--state .data/edge-state] [--telemetry-port 0] [--auth builtin]   " +
  "(the Worker under wrangler dev, offline, with the local Node service and Python runner as its Fly and Modal, and a local telemetry store; MCP_OAUTH_ISSUER, MCP_AUTH_TOKEN, MCP_QUOTAS and MCP_FIXTURES are passed on)";
const flags = commandLine(USAGE, {
  port: { type: "string", default: process.env.PORT ?? "8788" },
  "node-port": { type: "string", default: "8787" },
  state: { type: "string", default: `${ROOT}.data/edge-state` },
  /** Where the local telemetry store listens; 0 picks a free port. */
  "telemetry-port": { type: "string", default: "0" },
  /** `builtin`: the edge is its own authorization server, with a local sign-in provider. */
  auth: { type: "string", default: "" },
  /** The Worker module to build; the tests point it at a module of their own. */
  entry: { type: "string", default: process.env.MCP_FIXTURES === "conformance" ? FIXTURES_ENTRY : EDGE_ENTRY },
});

const children: ChildProcess[] = [];
function stopAll(code: number): never {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));
watchParent(() => stopAll(1));

function fail(line: string): never {
  console.error(`dev:edge: ${line}`);
  stopAll(1);
}

const port = portNumber(flags.port, "PORT (or --port)");
if (flags.auth !== "" && flags.auth !== "builtin") fail(`--auth ${flags.auth} is not an auth mode here (expected builtin; an outside issuer is set with MCP_OAUTH_ISSUER)`);
const builtinAuth = flags.auth === "builtin";
if (builtinAuth && process.env.MCP_OAUTH_ISSUER) fail("--auth builtin makes the edge its own issuer: unset MCP_OAUTH_ISSUER");
const nodePort = portNumber(flags["node-port"], "--node-port");

/** Whether something already listens on the port, found by trying to listen there. */
function portTaken(candidate: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(candidate, HOST, () => probe.close(() => resolve(false)));
  });
}

function portNumber(value: string, name: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) fail(`${name}=${value} is not a port number (1-65535)`);
  return parsed;
}

// Before anything starts: a port something else holds is named, with what picks another.
if (await portTaken(port)) fail(`port ${port} is in use by another process: stop it, or pick another port with PORT=, e.g. PORT=${port + 10} npm run dev:edge`);
if (await portTaken(nodePort)) fail(`port ${nodePort} (the Node service) is in use by another process: stop it, or pick another with --node-port, e.g. npm run dev:edge -- --node-port ${nodePort + 10}`);

/**
 * Starts a child and resolves with the first match of `ready` in its output.
 * A child that exits first, or at all, stops dev:edge with a line saying so.
 */
function start(label: string, args: string[], options: { env?: NodeJS.ProcessEnv; ready?: RegExp; detached?: boolean }): Promise<RegExpExecArray | undefined> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    // stdin is a pipe never written: a lifeline (lifeline.ts) reads its end of file when this process dies.
    stdio: ["pipe", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  children.push(child);
  let output = "";
  return new Promise((resolve) => {
    if (options.ready === undefined) resolve(undefined);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(`[${label}] ${chunk}`);
      const match = options.ready?.exec(output);
      if (match) resolve(match);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code, signal) => {
      if (/Address already in use/i.test(output)) fail(`port ${port} is in use by another process: stop it, or pick another port with PORT=`);
      fail(`${label} exited (${signal ?? `code ${code}`}); its output is above`);
    });
  });
}

/** Polls /healthz until it answers with this run's id: any other server's answer does not count. */
async function waitForOurWorker(url: string, runId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let other = false;
  while (Date.now() < deadline) {
    const answer = await fetch(url).then((response) => response.json() as Promise<{ devRun?: string }>, () => undefined);
    if (answer?.devRun === runId) return;
    other ||= answer !== undefined;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  fail(other ? `${url} answers, but not from this run's Worker: another server holds port ${port}; pick another with PORT=` : `the Worker did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** MCP_OAUTH_ISSUER and its companions, passed on to the Worker as they are to the Node service (which inherits them). */
function oauthVars(): Record<string, string> {
  const names = ["MCP_OAUTH_ISSUER", "MCP_OAUTH_SCOPES", "MCP_OAUTH_TOOL_SCOPES", "MCP_PUBLIC_URL"];
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

// wrangler reloads whenever a file in the bundle's folder changes, so the bundle has a folder of its own,
// and the folder holds nothing else (its config and secrets sit one level up). One per port: two dev:edge
// runs (a developer's and a test's) never share a bundle.
const dataDir = process.env.MCP_DATA_DIR ?? `${ROOT}.data`;
const devDir = `${dataDir}/edge-dev/${port}`;
const bundlePath = `${devDir}/bundle/worker.js`;
try {
  await buildEdge({ outfile: bundlePath, entry: flags.entry });
} catch (error) {
  fail(`the Worker does not build: ${(error as Error).message}`);
}
const secret = randomBytes(32).toString("hex");
const runId = randomBytes(8).toString("hex");
const telemetry = await startLocalTelemetry({ port: flags["telemetry-port"] === "0" ? 0 : portNumber(flags["telemetry-port"], "--telemetry-port") }).catch((error: Error) =>
  fail(`the local telemetry store cannot listen on port ${flags["telemetry-port"]}: ${error.message}`),
);
// Spans go to the local store unless the developer points them elsewhere.
const otlpEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? telemetry.url;

const node = await start("node", [`${ROOT}app/src/runtimes/node-main.ts`], {
  // MCP_PUBLIC_URL names the Worker's origin; the Node service's own endpoint is where it listens.
  env: {
    PORT: String(nodePort),
    MCP_UPSTREAM_SECRET: secret,
    MCP_DATA_DIR: dataDir,
    MCP_PUBLIC_URL: undefined,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    // With the built-in server the Node service takes only the edge's signed calls, as Fly does (it cannot read the edge's tokens).
    ...(builtinAuth ? { MCP_OAUTH_SCOPES: undefined, MCP_OAUTH_TOOL_SCOPES: undefined, [EDGE_ONLY_ENV]: `http://${HOST}:${port}` } : {}),
  },
  ready: /listening on (http:\/\/[^/\s]+)\S*.*compute (http:\/\/[\d.:]+)/,
});
const [, flyOrigin, modalUrl] = node!;

// The built-in mode's sign-in provider, and what the Worker is told of it (the bindings infra/ gives it in the cloud).
const upstream = builtinAuth ? await startDevUpstream({ clientId: "mcp-hosting-dev", clientSecret: randomBytes(24).toString("hex") }) : undefined;
if (upstream) console.log(`[dev:edge] sign-in provider (OpenID Connect) at ${upstream.issuer}; sign in as any user with login_hint=<user> or <user>@<org>`);
const builtinVars = upstream
  ? {
      MCP_AUTH_MODE: "builtin",
      MCP_OAUTH_ISSUER: `http://${HOST}:${port}`,
      MCP_AUTH_UPSTREAM: JSON.stringify({ provider: "oidc", clientId: upstream.clientId, issuer: upstream.issuer }),
    }
  : {};

// wrangler reads secrets from a `.dev.vars` file beside its config; both are made per run.
mkdirSync(devDir, { recursive: true });
writeFileSync(
  `${devDir}/wrangler.json`,
  JSON.stringify(
    {
      name: "mcp-hosting-edge",
      compatibility_date: workerPlatform.compatibilityDate,
      compatibility_flags: builtinAuth ? [...workerPlatform.compatibilityFlags, CIMD_COMPATIBILITY_FLAG] : workerPlatform.compatibilityFlags,
      ...(builtinAuth ? { kv_namespaces: [{ binding: OAUTH_KV_BINDING, id: "oauth-dev" }] } : {}),
      durable_objects: { bindings: workerPlatform.durableObjects.map(({ binding, className }) => ({ name: binding, class_name: className })) },
      migrations: workerPlatform.migrations.map((step) => ({ tag: step.tag, ...migrationStepOnTheWire(step) })),
      vars: {
        API_VERSIONS: "v1,v2",
        FLY_ORIGIN: flyOrigin,
        MODAL_URL: modalUrl,
        MCP_ALLOWED_ORIGINS: "localhost",
        MCP_ALLOWED_HOSTS: "localhost",
        DEV_RUN_ID: runId,
        // wrangler dev keeps no Analytics Engine data points: the Worker posts them to the local store instead.
        MCP_CALLS_URL: telemetry.callsUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
        ...oauthVars(),
        ...builtinVars,
        // The same quotas as the Node service's (which inherits the variable), counted at the edge.
        ...(process.env.MCP_QUOTAS ? { MCP_QUOTAS: process.env.MCP_QUOTAS } : {}),
      },
      observability: { enabled: false },
    },
    null,
    2,
  ),
);
const secrets = ["MCP_AUTH_TOKEN", "OTEL_EXPORTER_OTLP_HEADERS"].flatMap((name) => (process.env[name] ? [`${name}=${process.env[name]}`] : []));
const upstreamSecret = upstream ? [`MCP_AUTH_UPSTREAM_SECRET=${process.env.MCP_AUTH_UPSTREAM_SECRET ?? upstream.clientSecret}`] : [];
const devVars = [`MCP_UPSTREAM_SECRET=${secret}`, ...secrets, ...upstreamSecret];
writeFileSync(`${devDir}/.dev.vars`, `${devVars.join("\n")}\n`, { mode: 0o600 });

// wrangler exports no bin path; its package root is resolved from its main entry.
const wrangler = fileURLToPath(new URL("../bin/wrangler.js", import.meta.resolve("wrangler")));
const wranglerArgs = ["dev", bundlePath, "--no-bundle", "-c", `${devDir}/wrangler.json`, "--ip", HOST, "--port", String(port), "--persist-to", flags.state, "--show-interactive-dev-session=false"];
// Killed, wrangler leaves its workerd running: it runs under a lifeline, detached so a signal to our group leaves the lifeline to do its work.
void start("wrangler", [LIFELINE, process.execPath, wrangler, ...wranglerArgs], {
  env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  detached: true,
});
await waitForOurWorker(`http://${HOST}:${port}/healthz`, runId, 60_000);
// Watching before the ready line: an edit made once it is printed is seen. The entry's folder is watched too
// (for an entry outside app/src, as the tests' is).
const rebuilder = new EdgeRebuilder({ entry: flags.entry, bundlePath, stagingDir: `${devDir}/staged`, log: (line) => console.log(`[dev:edge] ${line}`) });
const entryDir = dirname(resolve(flags.entry));
await rebuilder.watch(entryDir.startsWith(`${ROOT}app/src`) ? [`${ROOT}app/src`] : [`${ROOT}app/src`, entryDir]);
const fixtures = process.env.MCP_FIXTURES ? `, fixtures ${process.env.MCP_FIXTURES}` : "";
if (builtinAuth) console.log(`authorization server: http://${HOST}:${port}  (metadata at /.well-known/oauth-authorization-server)`);
console.log(`edge listening on http://${HOST}:${port}/v1/mcp  (fly → ${flyOrigin}, modal → ${modalUrl}, state ${flags.state}${fixtures})`);
// Fly scrapes every 15 s; locally every 5 s, so a short watch sees its calls.
telemetry.scrape(`${flyOrigin}/metrics`, { app: "local", region: "local", instance: "node" }, 5000);
console.log(`telemetry: ${telemetry.url}  (traces at ${telemetry.url}/traces/<trace id>; npm run verify -- --telemetry ${telemetry.url} …)`);
