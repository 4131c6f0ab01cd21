/**
 * `npm run dev`: `npm start` that follows the sources. The Node server
 * restarts when a file under app/ changes, on the same port, after its
 * graceful shutdown (requests in flight finish, SQLite is closed: nothing
 * acknowledged is lost, and sessions live on in the database). The Python
 * compute runner restarts, on its own port again, when a file under
 * app/modal/ changes; the server keeps its URL. Code that does not load is
 * never restarted onto: the error is reported as `restart refused:
 * <file>:<line> <error>` and the previous process goes on serving.
 *
 * `npm start` itself never watches: it is what the Fly image and dev:edge run.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { commandLine } from "../src/runtimes/command-line.ts";
import { startComputeRunner, type ComputeRunner } from "../src/runtimes/compute-runner.ts";
import { watchParent } from "../src/runtimes/parent-lifeline.ts";
import { nodeModulesLoad, pythonModuleLoads } from "./load-check.ts";
import { ServerChild } from "./server-child.ts";
import { watchSources } from "./source-watcher.ts";

const APP = fileURLToPath(new URL("..", import.meta.url));
const MODAL = join(APP, "modal");
const RUNTIMES = join(APP, "src", "runtimes");
/** What node-main.ts loads: a restart waits until these import in a fresh process. */
const SERVER_MODULES = ["compute-runner.ts", "node.ts", "node-config.ts", "metrics-listener.ts", "../auth/settings.ts", "../tools/index.ts"].map((path) => join(RUNTIMES, path));

commandLine(
  [
    "usage: npm run dev   (npm start that restarts on changes: the Node server on a change under app/, on the same port; the Python runner on a change under app/modal/)",
    "  settings come from the environment, as for npm start (npm start -- --help lists them)",
  ].join("\n"),
  {},
);

const say = (line: string) => console.error(`[dev] ${line}`);
const since = (started: number) => `${Math.round(performance.now() - started)} ms`;
const names = (paths: string[]) => [...new Set(paths.map((path) => relative(APP, path)))].join(", ");

/**
 * Tests, and what they leave, change nothing that serves; nor does tool_schemas.json,
 * which a restart writes and the runner re-reads on its own.
 */
const notServed = (path: string) => /(^|\/)(test|tests)(\/|$)|\.test\.ts$|(^|\/)tool_schemas\.json$/.test(relative(APP, path));

const env = { ...process.env };
if (process.env.MCP_FIXTURES === "conformance") SERVER_MODULES.push(join(APP, "src", "fixtures", "conformance", "index.ts"));

// The runner is this process's child, not the server's, so each restarts without the other.
const secret = env.MCP_UPSTREAM_SECRET ?? randomBytes(32).toString("hex");
const dataDir = resolve(env.MCP_DATA_DIR ?? ".data");
const replayDb = join(dataDir, "compute-replays.sqlite");
let runner: ComputeRunner | undefined;
let runnerPort = 0;
if (env.MODAL_URL === undefined && (env.MCP_START_COMPUTE ?? "1") === "1") {
  mkdirSync(dataDir, { recursive: true });
  try {
    runner = await startComputeRunner(secret, { replayDb });
    runnerPort = Number(new URL(runner.url).port);
    Object.assign(env, { MODAL_URL: runner.url, MCP_UPSTREAM_SECRET: secret });
  } catch (error) {
    say(`warning: ${(error as Error).message}; csv_profile will answer with an error`);
  }
}

const server = new ServerChild(join(RUNTIMES, "node-main.ts"), env, (how) => say(`the server exited (${how}); the next change under app/ starts it again`));
try {
  await server.start();
} catch (error) {
  say(`${(error as Error).message}; its output is above`);
  await runner?.stop();
  process.exit(1);
}

async function restartServer(changed: string[]): Promise<void> {
  const started = performance.now();
  const failure = await nodeModulesLoad(SERVER_MODULES);
  if (failure) return say(`restart refused: ${failure}; ${server.running ? "still serving the previous process" : "the server is not running"}`);
  say(`${names(changed)} changed: restarting the server`);
  // The Modal tools' schemas, from the definitions as they are now; the runner reads the new file on its next call.
  const schemas = await nodeModulesLoad([join(APP, "scripts", "tool-schemas.ts")]);
  if (schemas) say(`warning: the Modal tools' schemas were not rewritten: ${schemas}`);
  try {
    const origin = await server.restart();
    say(`restarted the server in ${since(started)}: ${origin}`);
  } catch (error) {
    say(`${(error as Error).message}; its output is above: the next change under app/ starts it again`);
  }
}

async function restartRunner(changed: string[]): Promise<void> {
  const started = performance.now();
  const failure = await pythonModuleLoads(MODAL, "local_server");
  if (failure) return say(`compute runner restart refused: ${failure}; still serving the previous runner`);
  say(`${names(changed)} changed: restarting the compute runner`);
  await runner?.stop();
  try {
    runner = await startComputeRunner(secret, { replayDb, port: runnerPort });
    say(`restarted the compute runner in ${since(started)}: ${runner.url}`);
  } catch (error) {
    runner = undefined;
    say(`the compute runner did not start again: ${(error as Error).message}; the next change under app/modal/ starts it again`);
  }
}

// One restart at a time, in the order the changes came.
let restarts = Promise.resolve();
const watcher = watchSources([APP], {
  ignore: notServed,
  onChange(changed) {
    const modal = changed.filter((path) => path.startsWith(`${MODAL}/`));
    const rest = changed.filter((path) => !path.startsWith(`${MODAL}/`));
    restarts = restarts.then(async () => {
      if (modal.length > 0 && runnerPort !== 0) await restartRunner(modal);
      if (rest.length > 0) await restartServer(rest);
    });
  },
});
await watcher.ready;
say(`watching ${APP} for changes (the server restarts on a change under app/, the compute runner on one under app/modal/)`);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await watcher.close();
  await restarts;
  await server.stop();
  await runner?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
watchParent(() => void stop(1));
