// A tool that hangs, one that throws and one that allocates 200 MB: only their own calls fail, and a
// session calling tools at the same time keeps its tail latency (p99 within 2× of its baseline).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { HOG_LIMIT_MB } from "./support/memory-hog.ts";
import { removeDataDir, startServer, type ServerProcess } from "./support/server-process.ts";

const ENTRY = fileURLToPath(new URL("./support/test-server.ts", import.meta.url));
const TOOL_TIMEOUT_MS = 600;
/** Rounds of (faulty phase, baseline phase); the verdict compares medians over rounds. */
const ROUNDS = 7;
/** Each phase has at least this many calls of the observing session. */
const MIN_CALLS = 150;

let server: ServerProcess;

async function connect(name: string): Promise<Client> {
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(server.mcpUrl));
  return client;
}

function text(result: Awaited<ReturnType<Client["callTool"]>>): string {
  return (result.content as { text: string }[])[0]?.text ?? "";
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil(0.99 * sorted.length) - 1]!;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** `echo` calls one after another until `until` settles (and at least `minimum` of them); their latencies in ms. */
async function observe(client: Client, minimum: number, until?: Promise<unknown>): Promise<number[]> {
  let done = until === undefined;
  void until?.finally(() => (done = true));
  const latencies: number[] = [];
  while (latencies.length < minimum || !done) {
    const started = process.hrtime.bigint();
    const result = await client.callTool({ name: "echo", arguments: { text: `observer ${latencies.length}` } });
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    assert.equal(result.isError, undefined, `the observing session's call failed: ${text(result)}`);
  }
  return latencies;
}

describe("tool isolation", () => {
  before(async () => {
    server = await startServer({ entry: ENTRY, env: { MCP_START_COMPUTE: "0", MCP_TOOL_TIMEOUT_MS: String(TOOL_TIMEOUT_MS) } });
  });
  after(async () => {
    await server.stop();
    removeDataDir(server.dataDir);
  });

  test("each misbehaving tool fails only its own call, with a message that says why", async () => {
    const client = await connect("isolation-outcomes");
    const [hung, thrown, hog] = await Promise.all([
      client.callTool({ name: "test_hang", arguments: {} }),
      client.callTool({ name: "test_explode", arguments: {} }),
      client.callTool({ name: "test_memory_hog", arguments: {} }),
    ]);
    assert.deepEqual([hung.isError, thrown.isError, hog.isError], [true, true, true]);
    assert.equal(text(hung), `test_hang timed out after ${TOOL_TIMEOUT_MS} ms`);
    assert.equal(text(thrown), "test_explode failed: kaboom from the fixture");
    assert.equal(text(hog), `test_memory_hog ran out of memory: its limit is ${HOG_LIMIT_MB} MB`);
    // The same session goes on, and the server is healthy.
    assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "still here" } })), "still here");
    const health = (await (await fetch(new URL("/healthz", server.origin))).json()) as { ok: boolean };
    assert.equal(health.ok, true);
    await client.close();
  });

  test("a concurrent session's p99 stays within 2× of its baseline while they misbehave", async (t) => {
    const observer = await connect("isolation-observer");
    const culprit = await connect("isolation-culprit");
    await observe(observer, 100); // warm-up, not measured
    const faulty: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const misbehaving = Promise.all([
        culprit.callTool({ name: "test_memory_hog", arguments: {} }),
        culprit.callTool({ name: "test_hang", arguments: {} }),
        ...Array.from({ length: 5 }, () => culprit.callTool({ name: "test_explode", arguments: {} })),
      ]);
      // Alternate which phase comes first, so drift of the machine does not favour either.
      const runFaulty = async () => {
        const latencies = await observe(observer, MIN_CALLS, misbehaving);
        for (const result of await misbehaving) assert.equal(result.isError, true);
        return latencies;
      };
      if (round % 2 === 0) {
        const during = await runFaulty();
        faulty.push(p99(during));
        baseline.push(p99(await observe(observer, during.length)));
      } else {
        const quiet = await observe(observer, MIN_CALLS * 3);
        const during = await runFaulty();
        baseline.push(p99(quiet));
        faulty.push(p99(during));
      }
    }
    t.diagnostic(`observer p99 per round (ms): baseline ${baseline.map((v) => v.toFixed(2)).join(", ")}; faulty ${faulty.map((v) => v.toFixed(2)).join(", ")}`);
    const [quietP99, faultyP99] = [median(baseline), median(faulty)];
    assert.ok(faultyP99 <= 2 * quietP99, `observer p99 ${faultyP99.toFixed(2)} ms while tools misbehave, baseline ${quietP99.toFixed(2)} ms: over 2×`);
    await observer.close();
    await culprit.close();
  });
});
