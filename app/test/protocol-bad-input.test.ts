// Bad input to the protocol features, on Node (npm start) and on the Worker (workerd), in both eras: each gets a clear,
// correct JSON-RPC error (or, for a notification, the silence the spec asks for), never a hung stream, and neither the
// session that sent it nor another one is disturbed.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { buildEdge, FIXTURES_ENTRY } from "../scripts/build-edge.ts";
import { startEdgeWorker, type EdgeWorker } from "./support/edge-worker.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "bad-input-upstream-secret-0123456789";
const BIG_CSV = `n,label\n${Array.from({ length: 100_000 }, (_, i) => `${i},row ${i % 89}`).join("\n")}\n`;
const ERAS = ["2025-11-25", "2026-07-28"] as const;
type Era = (typeof ERAS)[number];

/** The calls these tests make, through the v1 client (2025-11-25) or the v2 client (2026-07-28). */
interface Caller {
  callTool(params: { name: string; arguments: Record<string, unknown>; _meta?: Record<string, unknown> }): Promise<{ isError?: boolean; content: unknown[] }>;
  client: Client | ModernClient;
  close(): Promise<void>;
}

async function connect(url: URL, era: Era): Promise<Caller> {
  if (era === "2025-11-25") {
    const client = new Client({ name: "bad-input", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(url));
    return { client, callTool: (params) => client.request({ method: "tools/call", params }, CallToolResultSchema) as never, close: () => client.close() };
  }
  const client = new ModernClient({ name: "bad-input", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new ModernTransport(url));
  return { client, callTool: (params) => client.request({ method: "tools/call", params }) as never, close: () => client.close() };
}

type RpcError = { code: number; message: string; data?: unknown };

/** The JSON-RPC error a call was refused with. */
async function refusal(call: Promise<unknown>): Promise<RpcError> {
  const error = (await call.then(
    (value) => assert.fail(`expected a JSON-RPC error, got ${JSON.stringify(value)}`),
    (thrown: unknown) => thrown,
  )) as RpcError;
  assert.equal(typeof error.code, "number", String(error));
  return error;
}

/** Another session (another principal's request, in 2026-07-28) works while the bad one is refused. */
async function undisturbed(url: URL, era: Era): Promise<void> {
  const other = await connect(url, era);
  assert.deepEqual((await other.callTool({ name: "echo", arguments: { text: "undisturbed" } })).content, [{ type: "text", text: "undisturbed" }]);
  await other.close();
}

/** A backend that starts the stream, reports once, then drops the connection: a remote stream cut halfway. */
function startCutter(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      response.write(`${JSON.stringify({ progress: 1, total: 2, message: "half way" })}\n`);
      setTimeout(() => response.socket?.destroy(), 50);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("bad input to prompts, resources, completions, progress and cancellation", () => {
  let node: ServerProcess;
  let cutNode: ServerProcess;
  let cutter: Server;
  let edge: EdgeWorker;
  let cutEdge: EdgeWorker;
  const runtimes: { name: string; url: () => URL; cut: () => URL }[] = [
    { name: "Node", url: () => node.mcpUrl, cut: () => cutNode.mcpUrl },
    { name: "Worker", url: () => edge.mcpUrl, cut: () => cutEdge.mcpUrl },
  ];

  before(async () => {
    cutter = await startCutter();
    const cutOrigin = `http://127.0.0.1:${(cutter.address() as AddressInfo).port}`;
    let fixtures: string;
    [node, cutNode, fixtures] = await Promise.all([
      startServer({ env: { MCP_UPSTREAM_SECRET: SECRET, MCP_FIXTURES: "conformance" } }),
      startServer({ env: { MCP_UPSTREAM_SECRET: SECRET, MODAL_URL: cutOrigin } }),
      buildEdge({ outfile: `${process.env.TMPDIR ?? "/tmp"}/bad-input-worker/worker.js`, entry: FIXTURES_ENTRY }).then((bundle) => bundle.path),
    ]);
    const modalUrl = /compute (http:\/\/[\d.:]+)/.exec(node.output())![1]!;
    [edge, cutEdge] = await Promise.all([
      startEdgeWorker({ scriptPath: fixtures, bindings: { FLY_ORIGIN: node.origin, MODAL_URL: modalUrl, MCP_UPSTREAM_SECRET: SECRET } }),
      startEdgeWorker({ bindings: { FLY_ORIGIN: cutOrigin, MODAL_URL: cutOrigin, MCP_UPSTREAM_SECRET: SECRET } }),
    ]);
  });
  after(async () => {
    await Promise.all([edge.dispose(), cutEdge.dispose(), node.stop(), cutNode.stop()]);
    cutter.closeAllConnections();
    cutter.close();
    removeDataDir(node.dataDir);
    removeDataDir(cutNode.dataDir);
  });

  for (const runtime of runtimes) {
    for (const era of ERAS) {
      const on = `${runtime.name}, ${era}`;

      test(`a progress token in use by another call is refused with -32602; the first call and its progress go on (${on})`, async () => {
        const caller = await connect(runtime.url(), era);
        let firstEnded = false;
        const first = caller.callTool({ name: "csv_profile", arguments: { csv: BIG_CSV }, _meta: { progressToken: "shared-token" } });
        void first.then(() => (firstEnded = true), () => (firstEnded = true));
        // The first call holds the token once the server has read its 1.6 MB body, which under load takes more
        // than any fixed wait: until then a second use is rightly accepted, so it is tried again.
        let error: RpcError | undefined;
        while (!error) {
          const answer = await caller.callTool({ name: "echo", arguments: { text: "x" }, _meta: { progressToken: "shared-token" } }).then(
            () => undefined,
            (thrown: unknown) => thrown as RpcError,
          );
          if (answer) error = answer;
          else {
            assert.equal(firstEnded, false, "the first call ended before its token was seen in use: it needs a longer input");
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        assert.equal(error.code, -32602);
        assert.match(error.message, /progress token "shared-token" is in use by another request in progress/);
        const result = await first;
        assert.notEqual(result.isError, true);
        // Released with its call: the token may be used again.
        assert.deepEqual((await caller.callTool({ name: "echo", arguments: { text: "again" }, _meta: { progressToken: "shared-token" } })).content, [{ type: "text", text: "again" }]);
        await undisturbed(runtime.url(), era);
        await caller.close();
      });

      test(`a cancel for an unknown request is accepted and ignored, as the spec allows a notification (${on})`, async () => {
        const caller = await connect(runtime.url(), era);
        await caller.client.notification({ method: "notifications/cancelled", params: { requestId: 424242, reason: "no such request" } });
        assert.deepEqual((await caller.callTool({ name: "echo", arguments: { text: "alive" } })).content, [{ type: "text", text: "alive" }]);
        await undisturbed(runtime.url(), era);
        await caller.close();
      });

      test(`a resource URI outside every template is resource-not-found: -32602 with the URI (${on})`, async () => {
        const caller = await connect(runtime.url(), era);
        const error = await refusal(caller.client.readResource({ uri: "nope://nothing/here" }));
        assert.equal(error.code, -32602);
        assert.deepEqual(error.data, { uri: "nope://nothing/here" });
        // Inside the template, a key that names no document: the same error, decided in the Fly service.
        const missing = await refusal(caller.client.readResource({ uri: "kb://no%2Fsuch%2Fdocument" }));
        assert.deepEqual([missing.code, missing.data], [-32602, { uri: "kb://no%2Fsuch%2Fdocument" }]);
        await undisturbed(runtime.url(), era);
        await caller.close();
      });

      test(`a prompt without its required argument is -32602 naming it (${on})`, async () => {
        const caller = await connect(runtime.url(), era);
        const error = await refusal(caller.client.getPrompt({ name: "kb_runbook", arguments: {} }));
        assert.equal(error.code, -32602);
        assert.match(error.message, /Invalid arguments for prompt kb_runbook.*topic/s);
        await undisturbed(runtime.url(), era);
        await caller.close();
      });

      test(`a completion for an argument the prompt or template does not have is -32602 naming those it has (${on})`, async () => {
        const caller = await connect(runtime.url(), era);
        const prompt = await refusal(caller.client.complete({ ref: { type: "ref/prompt", name: "kb_runbook" }, argument: { name: "colour", value: "b" } }));
        assert.equal(prompt.code, -32602);
        assert.match(prompt.message, /prompt kb_runbook has no argument "colour"; its arguments are topic, documents/);
        const template = await refusal(caller.client.complete({ ref: { type: "ref/resource", uri: "kb://{key}" }, argument: { name: "id", value: "" } }));
        assert.match(template.message, /resource template kb:\/\/\{key\} has no argument "id"; its arguments are key/);
        const known = await caller.client.complete({ ref: { type: "ref/prompt", name: "test_prompt_with_arguments" }, argument: { name: "arg1", value: "pa" } });
        assert.deepEqual(known.completion.values, ["paris", "park", "party"]);
        await caller.close();
      });

      test(`a remote stream cut halfway is an error naming what happened, and the session goes on (${on})`, async () => {
        const caller = await connect(runtime.cut(), era);
        const tool = runtime.name === "Node" ? "csv_profile" : "kb_search";
        const cut = await caller.callTool({ name: tool, arguments: tool === "csv_profile" ? { csv: "a\n1\n" } : { query: "x" } });
        assert.equal(cut.isError, true);
        assert.match(JSON.stringify(cut.content), new RegExp(`${tool}: the 127\\.0\\.0\\.1:\\d+ backend's answer stopped before its result \\(after 1 event`));
        if (runtime.name === "Worker") {
          const error = await refusal(caller.client.getPrompt({ name: "kb_runbook", arguments: { topic: "x" } }));
          assert.equal(error.code, -32603);
          assert.match(error.message, /kb_runbook: the 127\.0\.0\.1:\d+ backend's answer stopped before its result/);
        }
        assert.deepEqual((await caller.callTool({ name: "echo", arguments: { text: "on" } })).content, [{ type: "text", text: "on" }]);
        await undisturbed(runtime.cut(), era);
        await caller.close();
      });
    }
  }
});
