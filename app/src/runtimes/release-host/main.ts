/**
 * The Fly machine's server: one process per release pinned in any slot of
 * any API version, all over this region's one SQLite database (WAL mode lets
 * several processes on one host share it), behind one router on the machine's
 * port (router.ts). The image's own release runs from the image; every other
 * release runs from its server tree, fetched from the backup bucket by key,
 * verified by sha256 and kept on the volume (release-trees.ts). A pin that
 * changes the served set is one machine update, never a new image; a cutover
 * changes no machine (direct-release.ts).
 */
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "../command-line.ts";
import { watchParent } from "../parent-lifeline.ts";
import { HostConfigError, loadHostConfig, type HostConfig, type ServedRelease } from "./host-config.ts";
import { readyLine } from "./ready-line.ts";
import { ReleaseProcess } from "./release-process.ts";
import { createReleaseRouter } from "./router.ts";
import { followDirectRelease } from "./direct-release.ts";
import { treeFetcher } from "./tree-source.ts";
import { ensureReleaseTree } from "./release-trees.ts";

commandLine(
  [
    "usage: node app/src/runtimes/release-host/main.ts   (a Fly machine's server: every pinned release side by side)",
    "  MCP_RELEASES (JSON list of the releases served; default: MCP_RELEASE alone), MCP_DIRECT_RELEASE (for calls naming none),",
    "  MCP_DIRECT_RELEASE_KEY (the backup bucket's object naming the live release, read every 30 s),",
    "  MCP_RELEASE_MEMORY_MB (256: a release process over it is restarted), PORT, HOST; every other variable reaches each release's server",
  ].join("\n"),
  {},
);

/** The image's own server. */
const OWN_ENTRY = fileURLToPath(new URL("../node-main.ts", import.meta.url));
/** The image's dependencies, which every release tree resolves its packages from. */
const NODE_MODULES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "node_modules");
/** How long the host waits for the direct release before saying it is not up. */
const STARTUP_WAIT_MS = 120_000;
/** Variables only the host reads; a release's server must not see them as its own. */
const HOST_ONLY = ["MCP_RELEASES", "MCP_DIRECT_RELEASE", "MCP_DIRECT_RELEASE_KEY", "MCP_RELEASE_MEMORY_MB", "MCP_RELEASE_WATCH_MS"];

function serverEnv(config: HostConfig, release: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: "127.0.0.1", PORT: "0", MCP_RELEASE: release };
  for (const name of HOST_ONLY) delete env[name];
  // One metrics port per machine: the first direct release's server has it (a cutover does not move it).
  if (release !== config.directRelease) delete env.MCP_METRICS_PORT;
  return env;
}

async function entryOf(config: HostConfig, served: ServedRelease, log: (line: string) => void): Promise<string> {
  if (served.tree === undefined) return OWN_ENTRY;
  const { tree } = served;
  const fetchTree = treeFetcher(tree.key);
  for (let attempt = 1; ; attempt++) {
    try {
      const dir = await ensureReleaseTree({ release: served.release, sha256: tree.sha256, cacheDir: config.treeCache, nodeModules: NODE_MODULES, fetchTree });
      return join(dir, "app", "src", "runtimes", "node-main.ts");
    } catch (error) {
      const delay = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      log(`release-host: release ${served.release}: its server tree is not available (${(error as Error).message}); trying again in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function main(): Promise<void> {
  let config: HostConfig;
  try {
    config = loadHostConfig();
  } catch (error) {
    if (!(error instanceof HostConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const log = (line: string) => console.log(line);
  const releases = new Map<string, ReleaseProcess>();
  for (const served of config.releases) {
    const process_ = new ReleaseProcess({
      release: served.release,
      env: serverEnv(config, served.release),
      memoryLimitMb: config.memoryLimitMb,
      watchMs: config.watchMs,
      log,
    });
    releases.set(served.release, process_);
    // A tree still being fetched leaves its release "starting": its calls wait, then get a 503.
    void entryOf(config, served, log).then((entry) => {
      if (process_.state === "stopped") return;
      process_.setEntry(entry);
      process_.start();
    });
  }

  const direct = followDirectRelease({ initial: config.directRelease, key: config.directReleaseKey, served: [...releases.keys()], log });
  const server = createServer(createReleaseRouter({ releases, directRelease: direct.current, hostRelease: config.hostRelease, secret: config.upstreamSecret }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const names = config.releases.map((served) => served.release).join(", ");
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/`;
  console.log(`release-host: accepting calls on ${url} while releases ${names} start`);
  // "listening on" means ready, as for the server itself (start.sh's callers, the drill, dev tools wait for it):
  // the direct release is up, so its database exists and a call naming no release is answered at once.
  void releases.get(config.directRelease)!.whenUp(STARTUP_WAIT_MS).then((origin) => {
    if (origin) console.log(readyLine(url, `releases ${names}; direct ${direct.current()}${config.directReleaseKey ? `, following ${config.directReleaseKey}` : ""}; ${config.memoryLimitMb} MB each`));
    else console.log(`release-host: the direct release ${config.directRelease} is not up after ${STARTUP_WAIT_MS / 1000} s; still accepting calls on ${url} (see its lines above)`);
  });

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`release-host: ${reason}: stopping ${releases.size} release process${releases.size === 1 ? "" : "es"}`);
    server.close();
    direct.stop();
    await Promise.all([...releases.values()].map((release) => release.stop()));
    server.closeAllConnections();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  watchParent(() => void shutdown("parent process gone"));
}

await main();
