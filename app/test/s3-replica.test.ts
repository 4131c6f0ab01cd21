// Upload to an S3-compatible server: the start script's own replica path, derived from
// LITESTREAM_BUCKET, LITESTREAM_PREFIX and FLY_REGION, receives the snapshot and WAL.
// (Restores from this local server are not tested: its listing breaks Litestream's.)
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import S3rver from "s3rver";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startFlyMachine } from "../scripts/drill/fly-machine.ts";

const scratch = mkdtempSync(join(tmpdir(), "mcp-s3-replica-"));
let s3: S3rver;
let endpoint: string;

async function keysUnder(prefix: string): Promise<string[]> {
  const listing = await (await fetch(`${endpoint}/backups?list-type=2&prefix=${encodeURIComponent(prefix)}`)).text();
  return [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1]!);
}

before(async () => {
  s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: join(scratch, "s3"), configureBuckets: [{ name: "backups" }] });
  const { port } = await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
});
after(async () => {
  await s3.close();
  rmSync(scratch, { recursive: true, force: true });
});

test("a machine in lax streams its database to <prefix>lax/mcp.sqlite in the bucket, and to no other prefix", { timeout: 60_000 }, async () => {
  const port = new URL(endpoint).port;
  const machine = await startFlyMachine({
    dataDir: join(scratch, "data"),
    env: {
      FLY_REGION: "lax",
      PRIMARY_REGION: "lax",
      // Litestream reads `<bucket>.localhost:<port>` as a path-style bucket on a local endpoint.
      LITESTREAM_BUCKET: `backups.localhost:${port}`,
      LITESTREAM_PREFIX: "team-a/litestream/",
      LITESTREAM_REGION: "us-east-1",
      LITESTREAM_ACCESS_KEY_ID: "S3RVER",
      LITESTREAM_SECRET_ACCESS_KEY: "S3RVER",
    },
  });
  try {
    const client = new Client({ name: "s3-replica-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(machine.mcpUrl));
    const put = await client.callTool({ name: "kb_put", arguments: { key: "s3/1", title: "Shipped to S3", body: "x" } });
    assert.equal(put.isError, undefined);
    await client.close();

    const deadline = Date.now() + 20_000;
    let keys: string[] = [];
    while (Date.now() < deadline) {
      keys = await keysUnder("");
      if (keys.some((key) => key.includes("/snapshots/")) && keys.some((key) => key.includes("/wal/"))) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(keys.length > 0, `nothing reached the bucket:\n${machine.output()}`);
    for (const key of keys) assert.match(key, /^team-a\/litestream\/lax\/mcp\.sqlite\/generations\/[0-9a-f]{16}\/(snapshots|wal)\//);
    assert.ok(keys.some((key) => key.includes("/snapshots/")), `no snapshot in ${keys.join(", ")}`);
    assert.ok(keys.some((key) => key.includes("/wal/")), `no WAL segment in ${keys.join(", ")}`);
  } finally {
    await machine.stop();
  }
});
