// The image's Litestream configurations against the Litestream the image ships.
// Litestream 0.3.13 reads its config with yaml.v2's non-strict Unmarshal
// (cmd/litestream/main.go, ReadConfigFile), so a misspelled or retired key is
// ignored without a word: the keys are checked here against its own structs.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { test } from "node:test";
import { parse } from "yaml";
import { LITESTREAM_CONFIG, litestreamBinary, START_SCRIPT } from "../scripts/drill/fly-machine.ts";

const run = promisify(execFile);
const FOLLOWER_CONFIG = fileURLToPath(new URL("../fly/litestream-follower.yml", import.meta.url));
const CONFIGS = { "app/fly/litestream.yml": LITESTREAM_CONFIG, "app/fly/litestream-follower.yml": FOLLOWER_CONFIG };

const VERSION = "v0.3.13";
const REVISIT =
  `revisit the key lists in app/test/litestream-config.test.ts and the configs for the new version's format: ` +
  `0.5 silently ignores replica-level retention, retention-check-interval and snapshot-interval ` +
  `(snapshots moved to a global or per-db snapshot: {interval, retention}), and takes one replica: instead of replicas:`;

// The yaml tags of benbjohnson/litestream v0.3.13, cmd/litestream/main.go: Config,
// LoggingConfig, DBConfig and ReplicaConfig (with its inline age block).
const KEYS = {
  top: ["addr", "dbs", "exec", "access-key-id", "secret-access-key", "logging"],
  logging: ["level", "type", "stderr"],
  db: ["path", "meta-path", "monitor-interval", "checkpoint-interval", "min-checkpoint-page-count", "max-checkpoint-page-count", "replicas"],
  replica: [
    ...["type", "name", "path", "url", "retention", "retention-check-interval", "sync-interval", "snapshot-interval", "validation-interval"],
    ...["access-key-id", "secret-access-key", "region", "bucket", "endpoint", "force-path-style", "skip-verify"],
    ...["account-name", "account-key", "host", "user", "password", "key-path", "age"],
  ],
  age: ["identities", "recipients"],
};

type Node = Record<string, unknown>;
const asNode = (value: unknown): Node => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Node) : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Every key of a Litestream config that 0.3.13 does not know, as `<path>: <key> …`. */
function unknownKeys(config: unknown): string[] {
  const found: string[] = [];
  const check = (node: Node, known: string[], path: string) => {
    for (const key of Object.keys(node)) {
      if (!known.includes(key)) found.push(`${path}${key} is not a Litestream ${VERSION} key (expected one of ${known.join(", ")})`);
    }
  };
  const top = asNode(config);
  check(top, KEYS.top, "");
  check(asNode(top.logging), KEYS.logging, "logging.");
  asList(top.dbs).forEach((db, i) => {
    check(asNode(db), KEYS.db, `dbs[${i}].`);
    asList(asNode(db).replicas).forEach((replica, j) => {
      check(asNode(replica), KEYS.replica, `dbs[${i}].replicas[${j}].`);
      check(asNode(asNode(replica).age), KEYS.age, `dbs[${i}].replicas[${j}].age.`);
    });
  });
  return found;
}

test(`the shipped Litestream is ${VERSION}, the version whose config keys this test knows`, async () => {
  const { stdout } = await run(litestreamBinary(), ["version"]);
  assert.equal(stdout.trim(), VERSION, `Litestream is now ${stdout.trim()}: ${REVISIT}`);
});

for (const [name, path] of Object.entries(CONFIGS)) {
  test(`${name} uses only keys Litestream ${VERSION} reads`, () => {
    assert.deepEqual(unknownKeys(parse(readFileSync(path, "utf8"))), [], `${name} has keys Litestream ${VERSION} would silently ignore`);
  });
}

test("the key check names a misspelled key, and one that moved in 0.5, with its path", () => {
  const text = readFileSync(LITESTREAM_CONFIG, "utf8").replace("retention: 168h", "retension: 168h").replace("dbs:", "snapshot:\n  interval: 24h\ndbs:");
  assert.deepEqual(
    unknownKeys(parse(text)).map((line) => line.split(" (")[0]),
    [`snapshot is not a Litestream ${VERSION} key`, `dbs[0].replicas[0].retension is not a Litestream ${VERSION} key`],
  );
});

test("under the start script's environment, Litestream reads both configs: each database with its replica", async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), "mcp-litestream-config-"));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const dataDir = join(scratch, "data");
  // Stands in for Litestream under start.sh: the restore passes; in place of
  // `replicate`, the real binary lists each config in the environment start.sh built.
  const standIn = join(scratch, "litestream");
  writeFileSync(
    standIn,
    '#!/bin/sh\n[ "$1" = replicate ] || exit 0\n"$REAL_LITESTREAM" databases -config "$3" || exit $?\nexec "$REAL_LITESTREAM" databases -config "$FOLLOWER_CONFIG"\n',
    { mode: 0o755 },
  );
  // A machine outside the primary region, with the environment FlyService gives it (infra/stack.ts).
  const env = {
    PATH: process.env.PATH ?? "",
    MCP_DATA_DIR: dataDir,
    LITESTREAM: standIn,
    REAL_LITESTREAM: litestreamBinary(),
    FOLLOWER_CONFIG,
    FLY_REGION: "lax",
    PRIMARY_REGION: "iad",
    LITESTREAM_BUCKET: "acme-mcp-hosting-staging-backups",
    LITESTREAM_PREFIX: "litestream/",
    LITESTREAM_REGION: "us-east-1",
    LITESTREAM_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
    LITESTREAM_SECRET_ACCESS_KEY: "fake-secret-access-key",
  };
  const { stdout } = await run("sh", [START_SCRIPT], { env });
  const rows = stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cells) => cells.length === 2 && cells[0] !== "path");
  assert.deepEqual(rows, [
    [join(dataDir, "mcp.sqlite"), "backup"],
    [join(dataDir, "primary-copy.sqlite"), "primary"],
  ], stdout);
});
