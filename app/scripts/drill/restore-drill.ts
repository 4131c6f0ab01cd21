import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startFlyMachine, type FlyMachine } from "./fly-machine.ts";
import { waitForReplica } from "./replica-probe.ts";

export interface DrillOptions {
  /** How many knowledge-base entries to write. */
  entries: number;
  /**
   * Where Litestream replicates: `file:///…/mcp.sqlite` or `s3://bucket/prefix/…/mcp.sqlite`.
   * Never a live region's path: two writers on one replica corrupt it.
   * @default a `file` replica in a temporary directory
   */
  replicaUrl?: string;
  /** Extra environment for the machine (LITESTREAM_REGION, credentials). */
  env?: Record<string, string>;
  /** How long Litestream may take to ship the acknowledged writes. @default 30000 */
  replicateTimeoutMs?: number;
  /** Progress lines, for the command line. */
  log?: (line: string) => void;
}

export interface DrillReport {
  replicaUrl: string;
  /** Entries the server acknowledged (kb_put answered `created`). */
  written: number;
  /** Acknowledged entries in a restore of the replica taken right after the last acknowledgement. */
  replicatedAtLastAck: number;
  /** Acknowledged entries found in a restore of the replica before the kill. */
  replicatedBeforeKill: number;
  /** Entries read back through MCP from the machine that started from the backup. */
  restored: number;
  /** Acknowledged entries that did not come back. */
  lost: string[];
  milliseconds: { write: number; replicate: number; restoreAndStart: number; readBack: number; total: number };
}

/**
 * The restore drill: a machine (start script, Litestream, server) takes N
 * writes over MCP; once Litestream has shipped them, the machine is lost
 * (SIGKILL to Litestream and the server at once) and its volume wiped; a new
 * machine starts from the backup and every entry is read back over MCP.
 *
 * A write counts as acknowledged when the server answered it AND a restore
 * of the replica contains it: Litestream ships asynchronously (1 s sync
 * interval), so a machine lost in that window loses the server's most
 * recent answers. The drill waits for the replica instead of assuming it.
 */
export async function runRestoreDrill(options: DrillOptions): Promise<DrillReport> {
  const log = options.log ?? (() => undefined);
  const scratch = mkdtempSync(join(tmpdir(), "mcp-restore-drill-"));
  const replicaUrl = options.replicaUrl ?? pathToFileURL(join(scratch, "replica", "litestream", "drill", "mcp.sqlite")).href;
  const dataDir = join(scratch, "data");
  const env = { ...options.env, LITESTREAM_REPLICA_URL: replicaUrl };
  const run = randomBytes(4).toString("hex");
  const keys = Array.from({ length: options.entries }, (_, i) => `drill/${run}/${i}`);
  const started = performance.now();
  let machine: FlyMachine | undefined;
  try {
    machine = await startFlyMachine({ dataDir, env });
    log(`machine up at ${machine.origin}, replicating to ${replicaUrl}`);

    let mark = performance.now();
    const written = await withClient(machine.mcpUrl, async (client) => {
      let acknowledged = 0;
      for (const [i, key] of keys.entries()) {
        const result = await client.callTool({ name: "kb_put", arguments: { key, title: `Drill entry ${token(run, i)}`, body: `restore drill ${run}, entry ${i}` } });
        if (result.isError || (result.structuredContent as { created?: boolean } | undefined)?.created !== true) {
          throw new Error(`kb_put ${key} was not acknowledged: ${JSON.stringify(result.content)}`);
        }
        acknowledged++;
      }
      return acknowledged;
    });
    const write = performance.now() - mark;
    log(`${written} entries acknowledged by the server in ${Math.round(write)} ms`);

    mark = performance.now();
    const probe = await waitForReplica({ dataDir, env, keys, timeoutMs: options.replicateTimeoutMs ?? 30_000 });
    const replicate = performance.now() - mark;
    log(`${probe.first} entries in the replica right after the last acknowledgement, ${probe.last} after ${Math.round(replicate)} ms`);

    await machine.kill();
    machine = undefined;
    rmSync(dataDir, { recursive: true, force: true });
    log("machine killed (SIGKILL to Litestream and the server); volume wiped (database, -wal, -shm, Litestream's shadow WAL)");

    mark = performance.now();
    machine = await startFlyMachine({ dataDir, env });
    const restoreAndStart = performance.now() - mark;
    log(`new machine restored from the backup and serving after ${Math.round(restoreAndStart)} ms`);

    mark = performance.now();
    const found = await withClient(machine.mcpUrl, async (client) => {
      const present = new Set<string>();
      for (const [i, key] of keys.entries()) {
        const result = await client.callTool({ name: "kb_search", arguments: { query: token(run, i), limit: 1 } });
        const hits = (result.structuredContent as { hits?: { key: string }[] } | undefined)?.hits ?? [];
        if (hits[0]?.key === key) present.add(key);
      }
      return present;
    });
    const readBack = performance.now() - mark;
    const lost = keys.filter((key) => !found.has(key));
    return {
      replicaUrl,
      written,
      replicatedAtLastAck: probe.first,
      replicatedBeforeKill: probe.last,
      restored: found.size,
      lost,
      milliseconds: { write, replicate, restoreAndStart, readBack, total: performance.now() - started },
    };
  } finally {
    await machine?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A word only this entry of this run contains; the closing letter keeps n1 from prefixing n10. */
function token(run: string, index: number): string {
  return `d${run}n${index}e`;
}

async function withClient<T>(url: URL, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: "restore-drill", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url));
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}
