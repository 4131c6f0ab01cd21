// Quotas on both runtimes (MCP_QUOTAS), driven by the SDK clients of both eras over HTTP: exactly N of
// many parallel calls are admitted, the 429 says which limit and how long to wait, a spent daily quota
// is a tool error the model can explain, and the subjects of one tenant share their quota.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDevAuthorizationServer, type DevAuthorizationServer } from "../scripts/dev-auth/authorization-server.ts";
import { RUNTIMES, signToken, type Served } from "./support/oauth.ts";
import { until } from "./support/until.ts";

const ALICE = "alice-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdef";
const QUOTAS = { callsPerMinute: 10, callsPerDay: 1000, tenantClaim: "org_id", tools: { note_list: { callsPerDay: 2 } } };
const DAILY_REFUSAL = /^Daily quota of 2 calls to note_list for (.+) ran out; it resets at (\d{4}-\d\d-\d\dT00:00:00Z) \(in (\d+ h )?\d+ min\)\./;

interface Caller {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

async function legacyClient(url: URL, token: string): Promise<Caller> {
  const client = new Client({ name: "quota-legacy", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function modernClient(url: URL, token: string): Promise<Caller> {
  const client = new ModernClient({ name: "quota-modern", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new ModernTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

/** A tool call as raw HTTP (2026-07-28), to read the status and headers a client library hides. */
function rawCall(url: URL, token: string, tool: string) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}`, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": tool },
    body: JSON.stringify({ jsonrpc: "2.0", id: 41, method: "tools/call", params: { name: tool, arguments: {}, _meta: {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" }, "io.modelcontextprotocol/clientCapabilities": {} } } }),
  });
}

const textOf = (result: unknown) => ((result as { content: { text: string }[] }).content[0]?.text ?? "");

/** Where the Worker posts its data points locally (MCP_CALLS_URL), kept for the test to read. */
async function pointCollector(): Promise<{ url: string; points: { blobs: string[] }[]; server: Server }> {
  const points: { blobs: string[] }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk));
    req.on("end", () => {
      points.push(...(JSON.parse(body) as { blobs: string[] }[]));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calls`, points, server };
}

for (const runtime of RUNTIMES) {
  describe(`quotas at the ${runtime.name} runtime`, () => {
    let auth: DevAuthorizationServer;
    let served: Served;
    let collector: Awaited<ReturnType<typeof pointCollector>>;
    const url = () => served.endpoint("v1");
    const tokenOf = (sub: string, org?: string) => signToken(auth, { sub, aud: url().href, ...(org ? { org_id: org } : {}) });

    before(async () => {
      auth = await startDevAuthorizationServer();
      collector = await pointCollector();
      served = await runtime.start({
        MCP_OAUTH_ISSUER: auth.issuer,
        MCP_AUTH_TOKEN: `alice=${ALICE},bob=${BOB}`,
        MCP_QUOTAS: JSON.stringify(QUOTAS),
        ...(runtime.name === "edge" ? { MCP_CALLS_URL: collector.url } : {}),
      });
    });
    after(async () => {
      await served?.stop();
      await auth?.stop();
      collector?.server.close();
    });

    test("50 parallel calls of one principal, from sessions and without, against a limit of 10 admit exactly 10", async () => {
      const clients = await Promise.all([...Array.from({ length: 5 }, () => legacyClient(url(), ALICE)), ...Array.from({ length: 5 }, () => modernClient(url(), ALICE))]);
      const calls = clients.flatMap((client) => Array.from({ length: 5 }, (_, i) => client.callTool({ name: "echo", arguments: { text: String(i) } })));
      const settled = await Promise.allSettled(calls);
      const refused = settled.filter((outcome) => outcome.status === "rejected");
      assert.equal(settled.length - refused.length, 10);
      for (const refusal of refused) assert.match(String((refusal as PromiseRejectedResult).reason), /Quota exceeded: you may make 10 tool calls per minute; retry in \d+ s/);
      await Promise.all(clients.map((client) => client.close()));
    });

    test("past the per-minute limit: 429 with Retry-After, and a JSON-RPC error naming the limit and the wait", async () => {
      const response = await rawCall(url(), ALICE, "echo");
      assert.equal(response.status, 429);
      const retryAfter = Number(response.headers.get("retry-after"));
      // 10 a minute is one call each 6 s once the burst is spent.
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 6, `Retry-After ${retryAfter}`);
      const body = await response.json();
      assert.equal(body.id, 41);
      assert.equal(body.error.code, -32029);
      assert.equal(body.error.message, `Quota exceeded: you may make 10 tool calls per minute; retry in ${retryAfter} s`);
      assert.deepEqual(body.error.data, { retryAfterSeconds: retryAfter, limitPerMinute: 10, quota: { scope: "principal", window: "minute" } });
      // Another principal's calls are counted on their own.
      assert.equal((await rawCall(url(), BOB, "echo")).status, 200);
    });

    test("a spent daily tool quota is a tool result with isError that says which quota ran out and when it resets", async () => {
      const bob = await modernClient(url(), BOB);
      for (let call = 0; call < 2; call++) assert.equal((await bob.callTool({ name: "note_list", arguments: {} }) as { isError?: boolean }).isError, undefined);
      const refusal = await bob.callTool({ name: "note_list", arguments: {} });
      assert.equal((refusal as { isError?: boolean }).isError, true);
      const [, who, resetsAt] = DAILY_REFUSAL.exec(textOf(refusal)) ?? assert.fail(`unexpected refusal: ${textOf(refusal)}`);
      assert.equal(who, "you");
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      assert.ok([tomorrow, new Date(Date.now()).toISOString().slice(0, 10)].includes(resetsAt!.slice(0, 10)), resetsAt);
      // A session of the same principal is refused the same way; the other tools still answer.
      const session = await legacyClient(url(), BOB);
      assert.match(textOf(await session.callTool({ name: "note_list", arguments: {} })), DAILY_REFUSAL);
      assert.deepEqual((await session.callTool({ name: "echo", arguments: { text: "still here" } }) as { content: unknown }).content, [{ type: "text", text: "still here" }]);
      await Promise.all([bob.close(), session.close()]);
    });

    test("with a tenant claim, the subjects of one organization share a quota; another organization's is its own", async () => {
      const carol = await modernClient(url(), await tokenOf("carol", "acme"));
      const dave = await legacyClient(url(), await tokenOf("dave", "acme"));
      const erin = await modernClient(url(), await tokenOf("erin", "globex"));
      const frank = await modernClient(url(), await tokenOf("frank"));
      assert.equal((await carol.callTool({ name: "note_list", arguments: {} }) as { isError?: boolean }).isError, undefined);
      assert.equal((await dave.callTool({ name: "note_list", arguments: {} }) as { isError?: boolean }).isError, undefined);
      const refusal = await carol.callTool({ name: "note_list", arguments: {} });
      assert.equal(DAILY_REFUSAL.exec(textOf(refusal))?.[1], 'your organization (org_id "acme")', textOf(refusal));
      assert.equal((await erin.callTool({ name: "note_list", arguments: {} }) as { isError?: boolean }).isError, undefined, "globex is counted on its own");
      // A subject whose token names no organization is counted by itself.
      assert.equal((await frank.callTool({ name: "note_list", arguments: {} }) as { isError?: boolean }).isError, undefined);
      await Promise.all([carol.close(), dave.close(), erin.close(), frank.close()]);
    });

    test("quota decisions are counted by tool and outcome, never by subject", async () => {
      const names = ["alice", "bob", "carol", "acme", "globex"];
      if (runtime.name === "node") {
        const metrics = await (await fetch(new URL("/metrics", served.origin))).text();
        assert.match(metrics, /^mcp_hosting_quota_decisions_total\{gen_ai_tool_name="echo",mcp_hosting_quota_outcome="admitted"\} \d+$/m);
        assert.match(metrics, /^mcp_hosting_quota_decisions_total\{gen_ai_tool_name="echo",mcp_hosting_quota_outcome="minute_limited"\} \d+$/m);
        assert.match(metrics, /^mcp_hosting_quota_decisions_total\{gen_ai_tool_name="note_list",mcp_hosting_quota_outcome="day_exhausted"\} \d+$/m);
        for (const name of names) assert.ok(!metrics.includes(name), `${name} is in /metrics`);
        return;
      }
      // The Worker posts its points after each response (waitUntil).
      const quotaPoints = () => collector.points.filter((point) => point.blobs[0] === "quota");
      const seen = (wanted: string) => quotaPoints().some((point) => `${point.blobs[3]} ${point.blobs[4]}` === wanted);
      await until(() => seen("note_list day_exhausted"), 10_000, "the day_exhausted point", () => JSON.stringify(quotaPoints()));
      const quota = quotaPoints();
      const outcomes = new Set(quota.map((point) => `${point.blobs[3]} ${point.blobs[4]}`));
      for (const seen of ["echo admitted", "echo minute_limited", "note_list day_exhausted"]) assert.ok(outcomes.has(seen), `${seen} in ${[...outcomes].join(", ")}`);
      assert.equal(quota.filter((point) => point.blobs[3] === "echo" && point.blobs[4] === "admitted").length >= 10, true);
      for (const name of names) assert.ok(!JSON.stringify(quota).includes(name), `${name} is in a data point`);
    });
  });
}
