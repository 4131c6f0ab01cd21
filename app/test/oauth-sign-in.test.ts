// Signing in with the official SDK clients, through the development authorization server, on both
// runtimes: discovery from the 401, authorization code with PKCE, a Client ID Metadata Document (v1
// client) or dynamic registration (v2 client), then tool calls as the token's subject.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { DevAuthorizationServer } from "../scripts/dev-auth/authorization-server.ts";
import { BrowserlessClient, withSignIn } from "../scripts/dev-auth/browserless-client.ts";
import { RUNTIMES, signToken, startAuthorizationWithDocuments, type DocumentHost, type Served } from "./support/oauth.ts";
import { structured } from "./support/results.ts";

const STATIC_TOKEN = "ci-token-0123456789abcdef";
const JSON_POST = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });

/** Opens a client and its transport, signing in as the provider's user whenever the server asks. */
async function signedIn<Session>(provider: BrowserlessClient, open: () => Session, connect: (session: Session) => Promise<void>, finish: (session: Session, callback: URLSearchParams) => Promise<void>): Promise<Session> {
  let session!: Session;
  await withSignIn(provider, () => connect((session = open())), (callback) => finish(session, callback));
  return session;
}

/** The v1 client (2025-11-25, sessions). */
const legacyClient = (url: URL, provider: BrowserlessClient) =>
  signedIn(
    provider,
    () => ({ client: new Client({ name: "oauth-legacy", version: "1.0.0" }), transport: new StreamableHTTPClientTransport(url, { authProvider: provider }) }),
    ({ client, transport }) => client.connect(transport),
    ({ transport }, callback) => transport.finishAuth(callback.get("code")!),
  );

/** The v2 client pinned to 2026-07-28 (no sessions). */
const modernClient = (url: URL, provider: BrowserlessClient) =>
  signedIn(
    provider,
    () => ({
      client: new ModernClient({ name: "oauth-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } }),
      transport: new ModernTransport(url, { authProvider: provider }),
    }),
    ({ client, transport }) => client.connect(transport),
    ({ transport }, callback) => transport.finishAuth(callback),
  );

const notesOf = (result: unknown) => structured(result).notes.map((note: { text: string }) => note.text);

for (const runtime of RUNTIMES) {
  describe(`signing in to the ${runtime.name} runtime`, () => {
    let auth: DevAuthorizationServer;
    let documents: DocumentHost;
    let served: Served;
    before(async () => {
      ({ auth, documents } = await startAuthorizationWithDocuments());
      served = await runtime.start({
        MCP_OAUTH_ISSUER: auth.issuer,
        MCP_OAUTH_SCOPES: "mcp",
        // note_add is scoped here by the deployment; kb_put declares kb:write in its definition.
        MCP_OAUTH_TOOL_SCOPES: JSON.stringify({ note_add: ["notes:write"] }),
        MCP_AUTH_TOKEN: `ci=${STATIC_TOKEN}`,
        RATE_LIMIT_PER_MINUTE: "30",
      });
    });
    after(async () => {
      await served?.stop();
      await auth?.stop();
      await documents?.stop();
    });

    test("a request without a token gets 401 naming its endpoint's metadata; each API version has its own document, the root form is the first's", async () => {
      for (const apiVersion of ["v1", "v2"]) {
        const refused = await fetch(served.endpoint(apiVersion), { method: "POST", headers: JSON_POST, body: initialize });
        assert.equal(refused.status, 401);
        const challenge = refused.headers.get("www-authenticate") ?? "";
        assert.match(challenge, /^Bearer /);
        assert.ok(challenge.includes(`resource_metadata="${served.origin}/.well-known/oauth-protected-resource/${apiVersion}/mcp"`), challenge);
        assert.ok(challenge.includes('scope="mcp"'), challenge);
      }
      const documentAt = async (path: string) => {
        const response = await fetch(new URL(path, served.origin));
        assert.equal(response.status, 200, path);
        assert.equal(response.headers.get("access-control-allow-origin"), "*");
        return (await response.json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] };
      };
      const v1 = await documentAt("/.well-known/oauth-protected-resource/v1/mcp");
      assert.equal(v1.resource, served.endpoint("v1").href);
      assert.deepEqual(v1.authorization_servers, [auth.issuer]);
      assert.deepEqual([...v1.scopes_supported].sort(), ["kb:write", "mcp", "notes:write"]);
      assert.equal((await documentAt("/.well-known/oauth-protected-resource/v2/mcp")).resource, served.endpoint("v2").href);
      assert.deepEqual(await documentAt("/.well-known/oauth-protected-resource"), v1);
      assert.equal((await fetch(new URL("/.well-known/oauth-protected-resource/v9/mcp", served.origin))).status, 404);
    });

    test("the v1 client signs in with a Client ID Metadata Document, found from the 401, and keeps a 2025-11-25 session", async () => {
      const provider = new BrowserlessClient({ user: "alice", clientMetadataUrl: `${documents.origin}/clients/legacy.json` });
      documents.serve("/clients/legacy.json", provider.metadataDocument());
      const { client, transport } = await legacyClient(served.endpoint("v1"), provider);
      assert.equal(provider.registration, "metadata-document");
      assert.equal(transport.protocolVersion, "2025-11-25");
      const authorization = provider.authorizations[0]!;
      assert.equal(authorization.searchParams.get("client_id"), `${documents.origin}/clients/legacy.json`);
      assert.equal(authorization.searchParams.get("code_challenge_method"), "S256");
      assert.equal(authorization.searchParams.get("resource"), served.endpoint("v1").href);
      assert.equal(authorization.searchParams.get("scope"), "mcp");
      // The listing does not depend on scopes: kb_put and note_add are there before the token has theirs.
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name).sort(), ["csv_cluster", "csv_profile", "echo", "kb_put", "kb_search", "note_add", "note_list"]);
      assert.deepEqual((await client.callTool({ name: "echo", arguments: { text: "signed in" } })).content, [{ type: "text", text: "signed in" }]);
      await client.close();
    });

    test("a session opened under one subject is 404 for any other", async () => {
      const alice = await legacyClient(served.endpoint("v1"), new BrowserlessClient({ user: "alice" }));
      const bob = await signToken(auth, { sub: "bob", aud: served.endpoint("v1").href, scope: "mcp" });
      const session = { "mcp-session-id": alice.transport.sessionId!, "mcp-protocol-version": "2025-11-25" };
      const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      const stolen = await fetch(served.endpoint("v1"), { method: "POST", headers: { ...JSON_POST, ...session, authorization: `Bearer ${bob}` }, body: list });
      assert.equal(stolen.status, 404);
      assert.match((await stolen.json()).error.message, /Session not found/);
      assert.equal((await alice.client.listTools()).tools.length, 7, "the owner still has it");
      await alice.client.close();
    });

    test("the v2 client without a metadata document registers dynamically; the scratchpad follows the token's subject", async () => {
      const provider = new BrowserlessClient({ user: "carol" });
      const carol = await modernClient(served.endpoint("v2"), provider);
      assert.equal(provider.registration, "dynamic");
      assert.equal(carol.client.getNegotiatedProtocolVersion?.(), "2026-07-28");
      await carol.client.callTool({ name: "note_list", arguments: {} });
      // A token minted for carol, not the one her client holds: state is the subject's, not the client's.
      const token = await signToken(auth, { sub: "carol", aud: served.endpoint("v2").href, scope: "mcp notes:write" });
      const direct = new ModernClient({ name: "direct", version: "1" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
      await direct.connect(new ModernTransport(served.endpoint("v2"), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      await direct.callTool({ name: "note_add", arguments: { text: "carol's note" } });
      assert.deepEqual(notesOf(await carol.client.callTool({ name: "note_list", arguments: {} })), ["carol's note"]);
      const dave = await modernClient(served.endpoint("v2"), new BrowserlessClient({ user: "dave" }));
      assert.deepEqual(notesOf(await dave.client.callTool({ name: "note_list", arguments: {} })), []);
      await Promise.all([carol.client.close(), direct.close(), dave.client.close()]);
    });

    test("a call needing a scope the token lacks gets 403 insufficient_scope; each client signs in again for it and the call goes through", async () => {
      const legacyProvider = new BrowserlessClient({ user: "erin" });
      const legacy = await legacyClient(served.endpoint("v1"), legacyProvider);
      const refused = await fetch(served.endpoint("v1"), {
        method: "POST",
        headers: { ...JSON_POST, authorization: `Bearer ${legacyProvider.tokens()!.access_token}`, "mcp-session-id": legacy.transport.sessionId!, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "note_add", arguments: { text: "x" } } }),
      });
      assert.equal(refused.status, 403);
      const challenge = refused.headers.get("www-authenticate") ?? "";
      assert.match(challenge, /error="insufficient_scope"/);
      assert.ok(challenge.includes('scope="mcp notes:write"'), challenge);
      assert.ok(challenge.includes(`resource_metadata="${served.origin}/.well-known/oauth-protected-resource/v1/mcp"`), challenge);

      await withSignIn(legacyProvider, () => legacy.client.callTool({ name: "note_add", arguments: { text: "after step-up" } }), (callback) => legacy.transport.finishAuth(callback.get("code")!));
      assert.equal(legacyProvider.authorizations.at(-1)!.searchParams.get("scope"), "mcp notes:write");
      assert.deepEqual(notesOf(await legacy.client.callTool({ name: "note_list", arguments: {} })), ["after step-up"], "the same session goes on");
      await legacy.client.close();

      const modernProvider = new BrowserlessClient({ user: "erin" });
      const modern = await modernClient(served.endpoint("v2"), modernProvider);
      await withSignIn(modernProvider, () => modern.client.callTool({ name: "note_add", arguments: { text: "v2 after step-up" } }), (callback) => modern.transport.finishAuth(callback));
      assert.equal(modernProvider.authorizations.length, 2);
      assert.deepEqual(notesOf(await modern.client.callTool({ name: "note_list", arguments: {} })), ["v2 after step-up"]);
      await modern.client.close();
    });

    test("a static token is still accepted beside OAuth, for machine clients, and is not scoped", async () => {
      const client = new ModernClient({ name: "machine", version: "1" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
      await client.connect(new ModernTransport(served.endpoint("v1"), { requestInit: { headers: { authorization: `Bearer ${STATIC_TOKEN}` } } }));
      await client.callTool({ name: "note_add", arguments: { text: "from ci" } });
      assert.deepEqual(notesOf(await client.callTool({ name: "note_list", arguments: {} })), ["from ci"]);
      await client.close();
    });

    if (runtime.name === "edge") {
      test("the per-principal rate limit counts each token subject's calls on its own", async () => {
        const tokenOf = (sub: string) => signToken(auth, { sub, aud: served.endpoint("v2").href, scope: "mcp" });
        const call = async (token: string) =>
          fetch(served.endpoint("v2"), {
            method: "POST",
            headers: { ...JSON_POST, authorization: `Bearer ${token}`, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x" }, _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }, "io.modelcontextprotocol/clientCapabilities": {} } } }),
          });
        const frank = await tokenOf("frank");
        let status = 200;
        for (let calls = 0; calls < 40 && status === 200; calls++) status = (await call(frank)).status;
        assert.equal(status, 429);
        assert.equal((await call(await tokenOf("grace"))).status, 200, "another subject is not limited by frank's calls");
      });
    }
  });
}
