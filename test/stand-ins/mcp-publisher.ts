/**
 * A stand-in for the MCP registry's publisher CLI (mcp-publisher v1.8.1), for
 * the commands promote.yml runs, talking to the registry the way the real one
 * does (modelcontextprotocol/registry, cmd/publisher):
 *
 * - `login github-oidc [--registry <url>]` (commands/login.go, auth/github-oidc.go):
 *   needs ACTIONS_ID_TOKEN_REQUEST_TOKEN and _URL, which GitHub sets only for a
 *   job with `id-token: write` ("… environment variable not found - are you running
 *   in GitHub Actions with id-token: write permissions?" otherwise); asks GitHub
 *   for a token with `&audience=mcp-registry`, exchanges it at
 *   `POST <registry>/v0/auth/github-oidc`, and keeps the registry token in
 *   `~/.mcp_publisher_token` as `{ token, method, registry }`.
 * - `publish [server.json]` (commands/publish.go): a `$schema` that is not the
 *   current one stops it before anything is sent ("deprecated schema detected",
 *   as ggozad/haiku.rag#116 shows it); without the token file, "not authenticated.
 *   Run 'mcp-publisher login <method>' first"; then `POST <registry>/v0/publish`,
 *   and any answer but 200/201 is "publish failed: server returned status <n>: <body>".
 * - `--version`.
 * Errors go to stderr as cobra prints them (`Error: …`), with exit 1.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CURRENT_SCHEMA } from "../fixtures/fake-mcp-registry.ts";

const DEFAULT_REGISTRY = "https://registry.modelcontextprotocol.io";
const tokenFile = join(homedir(), ".mcp_publisher_token");
const argv = process.argv.slice(2);

class CliError extends Error {}

async function login(): Promise<void> {
  const method = argv[1];
  if (method !== "github-oidc") throw new CliError(`the stand-in mcp-publisher logs in with github-oidc only, not ${method ?? "(no method)"}`);
  const at = argv.indexOf("--registry");
  const registry = at >= 0 ? argv[at + 1]! : DEFAULT_REGISTRY;
  process.stdout.write(`Logging in with ${method}...\n`);
  const requestToken = process.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"];
  const requestUrl = process.env["ACTIONS_ID_TOKEN_REQUEST_URL"];
  for (const [name, value] of [["ACTIONS_ID_TOKEN_REQUEST_TOKEN", requestToken], ["ACTIONS_ID_TOKEN_REQUEST_URL", requestUrl]] as const) {
    if (!value) throw new CliError(`failed to get token: failed to get OIDC token from GitHub: ${name} environment variable not found - are you running in GitHub Actions with id-token: write permissions?`);
  }
  const github = await fetch(`${requestUrl}&audience=mcp-registry`, { headers: { authorization: `Bearer ${requestToken}`, accept: "application/json" } });
  if (github.status !== 200) throw new CliError(`failed to get token: failed to get OIDC token from GitHub: GitHub OIDC token request failed with status ${github.status}: ${await github.text()}`);
  const oidcToken = ((await github.json()) as { value?: string }).value ?? "";
  const exchange = await fetch(`${registry}/v0/auth/github-oidc`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ oidc_token: oidcToken }) });
  const body = await exchange.text();
  if (exchange.status !== 200) throw new CliError(`failed to get token: failed to exchange OIDC token: token exchange failed with status ${exchange.status}: ${body}`);
  writeFileSync(tokenFile, JSON.stringify({ token: (JSON.parse(body) as { registry_token: string }).registry_token, method, registry }), { mode: 0o600 });
  process.stdout.write("✓ Successfully logged in\n");
}

async function publish(): Promise<void> {
  const file = argv[1] && !argv[1].startsWith("-") ? argv[1] : "server.json";
  if (!existsSync(file)) throw new CliError("server.json not found. Run 'mcp-publisher init' to create one");
  const text = readFileSync(file, "utf8");
  let server: { $schema?: string };
  try {
    server = JSON.parse(text) as { $schema?: string };
  } catch (error) {
    throw new CliError(`invalid server.json: ${(error as Error).message}`);
  }
  if (!server.$schema) throw new CliError("$schema field is required");
  if (server.$schema !== CURRENT_SCHEMA) throw new CliError(`deprecated schema detected: ${server.$schema}.\n\nMigrate to the current schema format for new servers.`);
  if (!existsSync(tokenFile)) throw new CliError("not authenticated. Run 'mcp-publisher login <method>' first");
  const { token, registry } = JSON.parse(readFileSync(tokenFile, "utf8")) as { token: string; registry?: string };
  const target = registry || DEFAULT_REGISTRY;
  process.stdout.write(`Publishing to ${target}...\n`);
  const answer = await fetch(`${target.replace(/\/?$/, "/")}v0/publish`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: text });
  const body = await answer.text();
  if (answer.status !== 200 && answer.status !== 201) throw new CliError(`publish failed: server returned status ${answer.status}: ${body}`);
  const published = (JSON.parse(body) as { server: { name: string; version: string } }).server;
  process.stdout.write(`✓ Successfully published\n✓ Server ${published.name} version ${published.version}\n`);
}

try {
  if (argv[0] === "login") await login();
  else if (argv[0] === "publish") await publish();
  else if (argv[0] === "--version" || argv[0] === "version") process.stdout.write("mcp-publisher v1.8.1 (stand-in, test/stand-ins/mcp-publisher.ts)\n");
  else throw new CliError(`the stand-in mcp-publisher does not do "${argv.join(" ")}" (test/stand-ins/mcp-publisher.ts)`);
} catch (error) {
  if (!(error instanceof CliError) && !(error instanceof TypeError)) throw error;
  process.stderr.write(`Error: ${error.message}\n`);
  process.exitCode = 1;
}
