/**
 * `npm start`: the whole MCP server on this machine. SQLite under `.data/`,
 * the Python compute runner standing in for Modal, every API version served.
 */
import { randomBytes } from "node:crypto";
import { enableCompileCache } from "node:module";
import { dirname, join } from "node:path";
import { commandLine } from "./command-line.ts";
import type { ComputeRunner } from "./compute-runner.ts";
import { watchParent } from "./parent-lifeline.ts";

commandLine(
  [
    "usage: npm start   (the whole MCP server on this machine; settings come from the environment)",
    "  PORT (8787), HOST (127.0.0.1), MCP_DATA_DIR (.data), MCP_API_VERSIONS (v1), MCP_ALLOWED_ORIGINS (localhost),",
    "  MCP_AUTH_TOKEN (subject=token,…; static bearer tokens), MCP_OAUTH_ISSUER / MCP_OAUTH_SCOPES / MCP_OAUTH_TOOL_SCOPES / MCP_PUBLIC_URL (OAuth),",
    "  MCP_TOOL_TIMEOUT_MS (30000), MCP_SESSION_IDLE_HOURS (24), MCP_START_COMPUTE (1: start the Python runner), MCP_UPSTREAM_SECRET",
    "  (docs/local-development.md, \"Configuration of the Node server\", has every variable)",
  ].join("\n"),
  {},
);

// V8's compiled code for the modules below is kept on disk (under the OS temp dir) and reused by
// the next start: the MCP SDK and zod then load in about half the time. Only modules imported
// after this call are cached, hence the dynamic imports.
enableCompileCache();
const [{ startComputeRunner }, { createNodeApp, listen }, { loadNodeConfig }, { AuthSettingsError }, { catalog: shipped, mergeCatalogs }, { listenForMetrics }] = await Promise.all([
  import("./compute-runner.ts"),
  import("./node.ts"),
  import("./node-config.ts"),
  import("../auth/settings.ts"),
  import("../tools/index.ts"),
  import("./metrics-listener.ts"),
]);
const { assertPythonHandlers, PythonHandlersUnreadable } = await import("../tools/python-handlers.ts");

async function main(): Promise<void> {
  let config;
  try {
    config = loadNodeConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }

  try {
    // The same refusal as release:build's: a Modal tool must have its Python handler, and the reverse.
    assertPythonHandlers(shipped.tools);
  } catch (error) {
    // Without Python the Modal tools answer with an error, as when the compute runner cannot start.
    if (error instanceof PythonHandlersUnreadable) console.error(`warning: ${error.message}`);
    else {
      console.error((error as Error).message);
      process.exit(2);
    }
  }

  let runner: ComputeRunner | undefined;
  let modal: { url: string; secret: string } | undefined;
  if (config.MODAL_URL !== undefined) {
    if (config.MCP_UPSTREAM_SECRET === undefined) {
      console.error("MCP_UPSTREAM_SECRET: required when MODAL_URL is set (the key the Modal app verifies)");
      process.exit(2);
    }
    modal = { url: config.MODAL_URL, secret: config.MCP_UPSTREAM_SECRET };
  } else if (config.MCP_START_COMPUTE === "1") {
    const secret = config.MCP_UPSTREAM_SECRET ?? randomBytes(32).toString("hex");
    try {
      runner = await startComputeRunner(secret, { replayDb: join(dirname(config.databasePath), "compute-replays.sqlite") });
      modal = { url: runner.url, secret };
    } catch (error) {
      console.error(`warning: ${(error as Error).message}; csv_profile will answer with an error`);
    }
  }

  const upstreamSecret = config.MCP_UPSTREAM_SECRET ?? modal?.secret;
  // The fixtures are imported only when asked for: the shipped server does not even load them.
  const catalog = config.MCP_FIXTURES === "conformance" ? mergeCatalogs(shipped, (await import("../fixtures/conformance/index.ts")).conformanceFixtures) : shipped;
  let app;
  try {
    app = await createNodeApp({ config, catalog, ...(modal ? { modal } : {}), ...(upstreamSecret ? { upstreamSecret } : {}) });
  } catch (error) {
    if (!(error instanceof AuthSettingsError)) throw error;
    console.error(`invalid environment:\n  ${error.message}`);
    await runner?.stop();
    process.exit(2);
  }
  let listening;
  try {
    listening = await listen(app, config);
  } catch (error) {
    console.error(listenFailure(error as NodeJS.ErrnoException, config));
    await app.close();
    await runner?.stop();
    process.exit(1);
  }
  const { server, url } = listening;
  const metricsServer = config.MCP_METRICS_PORT === undefined ? undefined : await listenForMetrics(config.HOST, config.MCP_METRICS_PORT, app.metrics);
  const first = `${url}/${config.MCP_API_VERSIONS[0]}/mcp`;
  const fixtures = config.MCP_FIXTURES ? `, fixtures ${config.MCP_FIXTURES}` : "";
  console.log(`mcp-hosting listening on ${first}  (database ${config.databasePath}${modal ? `, compute ${modal.url}` : ""}${fixtures})`);
  console.log(`metrics: ${metricsServer?.url ?? `${url}/metrics`}${config.otlp ? `; spans to ${config.otlp.endpoint}` : ""}`);
  console.log(`connect a client:  npx @modelcontextprotocol/inspector --cli ${first} --transport http --method tools/list`);
  if (config.oauth) {
    const origin = config.MCP_PUBLIC_URL ?? url;
    console.log(`authorization: access tokens from ${config.oauth.issuer}, metadata at ${new URL(`/.well-known/oauth-protected-resource/${config.MCP_API_VERSIONS[0]}/mcp`, origin).href}`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    server.closeIdleConnections();
    const closed = new Promise((resolve) => server.close(resolve));
    // Open SSE streams would hold the server forever; end them after a grace period.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
    await closed;
    metricsServer?.server.close();
    await app.close();
    await runner?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  // Started by a process that dies without stopping us (dev:edge, a test, killed with SIGKILL): stop too.
  watchParent(() => void shutdown("parent process gone"));
}

/** One line for a port that cannot be had; anything else keeps its message. */
function listenFailure(error: NodeJS.ErrnoException, config: { HOST: string; PORT: number }): string {
  const where = `${config.HOST}:${config.PORT}`;
  if (error.code === "EADDRINUSE") return `port ${config.PORT} is in use (${where}): stop what serves it, or pick another port with PORT=, e.g. PORT=${config.PORT + 10} npm start`;
  if (error.code === "EACCES") return `port ${config.PORT} needs privileges this user lacks (${where}): pick another port with PORT=, e.g. PORT=8787 npm start`;
  if (error.code === "EADDRNOTAVAIL") return `HOST=${config.HOST} is not an address of this machine: use 127.0.0.1 (the default) or 0.0.0.0`;
  return `cannot listen on ${where}: ${error.message}`;
}

await main();
