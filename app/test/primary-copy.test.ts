// Reads outside the primary region: lax restores iad's Litestream replica into a
// read-only copy and serves knowledge-base searches from it, even with iad gone.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { litestreamBinary, startFlyMachine, type FlyMachine } from "../scripts/drill/fly-machine.ts";
import { structured } from "./support/results.ts";
import { startServer, type ServerProcess } from "./support/server-process.ts";

const SECRET = "primary-copy-secret-0123456789abcdef";
const scratch = mkdtempSync(join(tmpdir(), "mcp-primary-copy-"));
const iadReplica = pathToFileURL(join(scratch, "replica", "litestream", "iad", "mcp.sqlite")).href;
let iad: FlyMachine;
let lax: ServerProcess;
let client: Client;

async function health(server: { origin: string }) {
  return (await fetch(new URL("/healthz", server.origin))).json() as Promise<{ knowledgeBaseReads: string; primaryCopyAgeSeconds: number | null }>;
}

async function search(query: string): Promise<string[]> {
  const found = await client.callTool({ name: "kb_search", arguments: { query } });
  assert.equal(found.isError, undefined, JSON.stringify(found.content));
  return structured(found).hits.map((hit: { key: string }) => hit.key);
}

describe("a copy of the primary for reads in another region", () => {
  before(async () => {
    const regions = { MCP_UPSTREAM_SECRET: SECRET, PRIMARY_REGION: "iad" };
    iad = await startFlyMachine({ dataDir: join(scratch, "iad"), env: { ...regions, FLY_REGION: "iad", LITESTREAM_REPLICA_URL: iadReplica } });
    lax = await startServer({
      dataDir: join(scratch, "lax"),
      env: {
        ...regions,
        FLY_REGION: "lax",
        MCP_START_COMPUTE: "0",
        MCP_PRIMARY_ORIGIN: iad.origin,
        MCP_FOLLOW_REPLICA_URL: iadReplica,
        MCP_FOLLOW_INTERVAL_SECONDS: "1",
        LITESTREAM: litestreamBinary(),
      },
    });
    client = new Client({ name: "primary-copy-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(lax.mcpUrl));
  });
  after(async () => {
    await client.close().catch(() => undefined);
    await Promise.all([lax.stop(), iad.stop()]);
    rmSync(scratch, { recursive: true, force: true });
  });

  test("a write in lax reaches lax's copy within seconds, and lax keeps answering reads with iad down", { timeout: 60_000 }, async () => {
    const put = await client.callTool({ name: "kb_put", arguments: { key: "copy/1", title: "Followed across regions", body: "written in iad" } });
    assert.equal(structured(put).created, true);

    // Eventually consistent: iad ships within ~2 s, lax restores every second here.
    const deadline = Date.now() + 30_000;
    let keys: string[] = [];
    let reads = "";
    while (Date.now() < deadline) {
      reads = (await health(lax)).knowledgeBaseReads;
      if (reads === "primary-copy") {
        keys = await search("followed regions");
        if (keys.length > 0) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(reads, "primary-copy");
    assert.deepEqual(keys, ["copy/1"]);

    await iad.stop();
    assert.deepEqual(await search("followed across"), ["copy/1"], "reads are served by lax's copy, not by iad");
    const refused = await client.callTool({ name: "kb_put", arguments: { key: "copy/2", title: "No primary", body: "x" } });
    assert.equal(refused.isError, true);
    assert.match(JSON.stringify(refused.content), /kb_put: the 127\.0\.0\.1:\d+ backend is unreachable/);
  });
});
