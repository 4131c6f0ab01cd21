import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { LITESTREAM_CONFIG, litestreamBinary } from "./fly-machine.ts";

const run = promisify(execFile);

export interface ReplicaProbeOptions {
  /** The machine's volume, as its Litestream configuration names it. */
  dataDir: string;
  /** The machine's replica settings (LITESTREAM_REPLICA_URL, region, credentials). */
  env: Record<string, string>;
  /** Knowledge-base keys that must be in the replica. */
  keys: readonly string[];
  timeoutMs: number;
}

export interface ReplicaProbe {
  /** Keys in the first restore, taken as soon as the probe starts. */
  first: number;
  /** Keys in the last restore: all of them, unless the time ran out. */
  last: number;
}

/**
 * Restores the replica into a scratch file, as a new machine would, until
 * every key is in it or the time is up. A key in a restore of the replica,
 * not the server's answer, is a write safe from the loss of its machine.
 */
export async function waitForReplica(options: ReplicaProbeOptions): Promise<ReplicaProbe> {
  const scratch = mkdtempSync(join(tmpdir(), "mcp-replica-probe-"));
  const probe = join(scratch, "probe.sqlite");
  const deadline = Date.now() + options.timeoutMs;
  let first: number | undefined;
  try {
    for (;;) {
      rmSync(probe, { force: true });
      await run(litestreamBinary(), ["restore", "-config", LITESTREAM_CONFIG, "-if-replica-exists", "-o", probe, join(options.dataDir, "mcp.sqlite")], {
        env: { ...process.env, ...options.env, MCP_DATA_DIR: options.dataDir },
        timeout: Math.max(1000, deadline - Date.now()),
      });
      const found = countKeys(probe, options.keys);
      first ??= found;
      if (found === options.keys.length || Date.now() >= deadline) return { first, last: found };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function countKeys(path: string, keys: readonly string[]): number {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch {
    return 0; // No backup yet: -if-replica-exists restored nothing.
  }
  try {
    const select = db.prepare("SELECT 1 FROM kb_entries WHERE key = ?");
    return keys.filter((key) => select.get(key) !== undefined).length;
  } catch {
    return 0; // The replica predates the knowledge base's tables.
  } finally {
    db.close();
  }
}
