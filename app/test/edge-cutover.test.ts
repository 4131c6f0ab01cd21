// A cutover under workerd: the Durable Objects of live sessions restart on the
// other color's code, over the same storage, and a 2025-11-25 session goes on.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { buildEdge } from "../scripts/build-edge.ts";
import { startEdgeWorker } from "./support/edge-worker.ts";
import { structured } from "./support/results.ts";

async function served(origin: string): Promise<{ release: string; color: string }> {
  return (await (await fetch(new URL("/v1/healthz", origin))).json()) as { release: string; color: string };
}

test("a session opened while blue is live keeps its id, its notes and its event log after the cutover to green", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-cutover-"));
  try {
    // Two different bundles of the Worker (one minified, one not), as two releases would be.
    const blueBundle = await buildEdge({ outfile: join(dir, "blue", "worker.js") });
    const greenBundle = await buildEdge({ outfile: join(dir, "green", "worker.js"), minify: false });
    assert.notEqual(blueBundle.rawBytes, greenBundle.rawBytes);
    const persistDir = join(dir, "state");

    const blue = await startEdgeWorker({ persistDir, scriptPath: blueBundle.path, bindings: { RELEASE: "r-b1ue00000000", COLOR: "blue" } });
    const port = Number(new URL(blue.origin).port);
    const transport = new StreamableHTTPClientTransport(blue.mcpUrl);
    const client = new Client({ name: "edge-cutover", version: "1.0.0" });
    let sessionId: string;
    let primingId: string | undefined;
    try {
      assert.deepEqual(await served(blue.origin), { ok: true, apiVersions: ["v1", "v2"], release: "r-b1ue00000000", color: "blue" });
      await client.connect(transport);
      sessionId = transport.sessionId!;
      await client.callTool({ name: "note_add", arguments: { text: "written on blue" } });
      // A call whose answer the client will want again: its stream's priming event id is where it resumes.
      const call = await fetch(blue.mcpUrl, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 41, method: "tools/call", params: { name: "echo", arguments: { text: "answered by blue" } } }),
      });
      primingId = /^id: (.+)$/m.exec((await call.text()).split("\n\n")[0]!)?.[1];
      assert.ok(primingId);
    } finally {
      await blue.dispose();
    }

    const green = await startEdgeWorker({ persistDir, port, scriptPath: greenBundle.path, bindings: { RELEASE: "r-9ree00000000", COLOR: "green" } });
    try {
      assert.equal((await served(green.origin)).color, "green", "the other code answers now");
      const notes = structured(await client.callTool({ name: "note_list", arguments: {} })).notes.map((n: { text: string }) => n.text);
      assert.deepEqual(notes, ["written on blue"]);
      assert.equal(transport.sessionId, sessionId, "the same session, not a new one");
      await client.callTool({ name: "note_add", arguments: { text: "written on green" } });
      assert.equal(structured(await client.callTool({ name: "note_list", arguments: {} })).notes.length, 2);

      const resumed = await fetch(green.mcpUrl, { headers: { accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25", "last-event-id": primingId! } });
      assert.equal(resumed.status, 200);
      const reader = resumed.body!.pipeThrough(new TextDecoderStream()).getReader();
      let replayed = "";
      while (!replayed.includes("answered by blue")) {
        const { value, done } = await reader.read();
        if (done) break;
        replayed += value;
      }
      await reader.cancel();
      assert.match(replayed, /"id":41/, "blue's answer, replayed by green from the session's event log");
      await client.close();
    } finally {
      await green.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
