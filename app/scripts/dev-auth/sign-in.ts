/**
 * `npm run dev:sign-in`: signs in to an MCP server with the official v2 SDK
 * client, against the development authorization server, and calls a few
 * tools; every HTTP exchange is printed, so the whole flow can be read:
 * the 401 and its challenge, the metadata, registration, authorization with
 * PKCE, the token, the calls, and a step-up for a tool that needs more scope.
 *
 *   npm run dev:sign-in -- [--url http://127.0.0.1:8787/v1/mcp] [--user dev-user] [--print-token] [--scope "…"]
 *
 * With `--print-token` it signs in and prints the access token alone on
 * stdout (everything else goes to stderr), for clients that take a bearer
 * header: `TOKEN=$(npm run --silent dev:sign-in -- --print-token)`. That
 * token carries every scope the server advertises (`scopes_supported`), so
 * a client that cannot step up, as curl cannot, may call every tool;
 * `--scope` asks for fewer.
 */
import { commandLine } from "../../src/runtimes/command-line.ts";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { decodeJwt } from "jose";
import { BrowserlessClient, withSignIn } from "./browserless-client.ts";

const USAGE = [
  "usage: npm run dev:sign-in [-- --url http://127.0.0.1:8787/v1/mcp] [--user dev-user] [--print-token] [--scope \"mcp kb:write\"]   (signs in through the server's authorization server with the v2 SDK client and calls tools, printing every exchange)",
  "  --print-token   sign in, then print only the access token on stdout (the exchanges go to stderr), for curl and the Inspector:",
  '                  TOKEN=$(npm run --silent dev:sign-in -- --print-token); curl -H "Authorization: Bearer $TOKEN" …',
  "                  the token carries every scope the server advertises (scopes_supported), so it can call every tool",
  "  --scope         the scopes to ask for, space-separated (default: with --print-token every advertised scope, otherwise what the server's challenge asks)",
].join("\n");
const flags = commandLine(USAGE, {
    url: { type: "string", default: "http://127.0.0.1:8787/v1/mcp" },
    user: { type: "string", default: "dev-user" },
    "print-token": { type: "boolean", default: false },
    scope: { type: "string" },
  });
/** Where the story of the sign-in goes: stdout, unless stdout carries the token alone. */
const say = flags["print-token"] ? (line: string) => console.error(line) : (line: string) => console.log(line);

/** fetch, printing each exchange (never a token: only methods, URLs, statuses and challenges). */
const loggingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const body = request.method === "POST" && request.headers.get("content-type")?.includes("json") ? methodOf(await request.clone().text()) : "";
  const response = await fetch(request);
  const challenge = response.headers.get("www-authenticate");
  say(`  ${request.method} ${request.url}${body} → ${response.status}${challenge ? `  WWW-Authenticate: ${challenge}` : ""}`);
  return response;
};

function methodOf(text: string): string {
  try {
    const method = (JSON.parse(text) as { method?: string }).method;
    return method ? ` (${method})` : "";
  } catch {
    return "";
  }
}

/** Every scope the protected resource advertises (RFC 9728 `scopes_supported`), space-separated; undefined when it lists none. */
async function advertisedScopes(resource: URL): Promise<string | undefined> {
  const metadata = new URL(`/.well-known/oauth-protected-resource${resource.pathname}`, resource);
  const response = await loggingFetch(metadata);
  if (!response.ok) return undefined;
  const scopes = ((await response.json()) as { scopes_supported?: unknown }).scopes_supported;
  return Array.isArray(scopes) && scopes.length > 0 ? scopes.join(" ") : undefined;
}

const url = new URL(flags.url);
const scope = flags.scope ?? (flags["print-token"] ? await advertisedScopes(url) : undefined);
const provider = new BrowserlessClient({ user: flags.user, ...(scope !== undefined ? { scope } : {}) });
const client = new Client({ name: "mcp-hosting dev:sign-in", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
let transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: loggingFetch });

say(`signing in to ${url.href} as ${flags.user}:`);
await withSignIn(
  provider,
  () => client.connect(transport),
  async (callback) => {
    say(`  (browser) ${provider.authorizations.at(-1)?.origin} redirected back with code and iss=${callback.get("iss")}`);
    await transport.finishAuth(callback);
    transport = new StreamableHTTPClientTransport(url, { authProvider: provider, fetch: loggingFetch });
  },
);
const claims = decodeJwt(provider.tokens()!.access_token);
say(`signed in (client registered by ${provider.registration}); token: sub=${claims.sub} aud=${String(claims.aud)} scope="${String(claims.scope)}" exp=${new Date(Number(claims.exp) * 1000).toISOString()}`);
if (flags["print-token"]) {
  process.stdout.write(`${provider.tokens()!.access_token}\n`);
  await client.close();
  process.exit(0);
}

const { tools } = await client.listTools();
console.log(`tools: ${tools.map((tool) => tool.name).join(", ")}`);
const echo = await client.callTool({ name: "echo", arguments: { text: `hello from ${flags.user}` } });
console.log(`echo → ${JSON.stringify(echo.content)}`);
await client.callTool({ name: "note_add", arguments: { text: `${flags.user} was here` } });
const notes = await client.callTool({ name: "note_list", arguments: {} });
console.log(`note_list → ${JSON.stringify(notes.structuredContent)}`);

console.log("kb_put needs kb:write, which the first sign-in did not ask for:");
const put = await withSignIn(
  provider,
  () => client.callTool({ name: "kb_put", arguments: { key: "dev/sign-in", title: "Signed in", body: `by ${flags.user}` } }),
  async (callback) => {
    console.log(`  (browser) signed in again for scope "${provider.authorizations.at(-1)?.searchParams.get("scope")}"`);
    await transport.finishAuth(callback);
  },
);
console.log(`kb_put → ${JSON.stringify(put.structuredContent ?? put.content)}`);
await client.close();
