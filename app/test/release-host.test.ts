// A Fly machine's release host: two releases side by side over one SQLite
// file, each call answered by the release it was signed for, and a release
// whose handler leaks restarted while the other keeps answering.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { callUpstreamTool, UpstreamError } from "../src/upstream/client.ts";
import { signRequest } from "../src/upstream/signing.ts";
import { copyApp, type AppCopy } from "./support/app-copy.ts";
import { markKbSearchTitles, OWN_ENTRY, startReleaseHost, type TestReleaseHost } from "./support/release-host.ts";
import { until } from "./support/until.ts";

const SECRET = "release-host-secret-0123456789abcdef";
const BLUE = "r-b1ue00000000";
const GREEN = "r-9ree00000000";
const LEAKY = "r-1eaky000000";

const startHost = (dataDir: string, entries: Record<string, string>, direct: string, memoryLimitMb?: number) =>
  startReleaseHost({ dataDir, secret: SECRET, entries, direct, ...(memoryLimitMb ? { memoryLimitMb } : {}) });

const search = (origin: string, release: string | undefined, query: string) =>
  callUpstreamTool({ url: origin, secret: SECRET, ...(release ? { release } : {}) }, "kb_search", { query }, { timeoutMs: 10_000 }) as Promise<{ hits: { key: string; title: string }[] }>;

describe("two releases on one machine, over one database", () => {
  let dataDir: string;
  let green: AppCopy;
  let host: TestReleaseHost;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "release-host-"));
    // Green's kb_search answers differently: its titles carry a mark.
    green = copyApp();
    markKbSearchTitles(green);
    host = await startHost(dataDir, { [BLUE]: OWN_ENTRY, [GREEN]: green.app("src/runtimes/node-main.ts") }, BLUE);
  });
  after(async () => {
    await host?.stop();
    green?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("each call runs the handlers of the release it was signed for, and writes of either are read by both", async () => {
    await callUpstreamTool({ url: host.origin, secret: SECRET, release: BLUE }, "kb_put", { key: "from-blue", title: "Blue wrote this", body: "shared tables" }, { timeoutMs: 10_000 });
    await callUpstreamTool({ url: host.origin, secret: SECRET, release: GREEN }, "kb_put", { key: "from-green", title: "Green wrote this", body: "shared tables" }, { timeoutMs: 10_000 });
    const byBlue = await search(host.origin, BLUE, "shared");
    const byGreen = await search(host.origin, GREEN, "shared");
    assert.deepEqual(byBlue.hits.map((hit) => hit.title).sort(), ["Blue wrote this", "Green wrote this"]);
    assert.deepEqual(byGreen.hits.map((hit) => hit.title).sort(), ["[green] Blue wrote this", "[green] Green wrote this"]);
  });

  test("a call naming no release (a client of the Fly app itself) gets the direct release", async () => {
    const direct = await search(host.origin, undefined, "shared");
    assert.ok(direct.hits.every((hit) => !hit.title.startsWith("[green]")));
    const health = await (await fetch(new URL("/healthz", host.origin))).json();
    assert.equal(health.direct, BLUE);
    assert.deepEqual(health.releases.map((r: { release: string; state: string }) => [r.release, r.state]), [[BLUE, "up"], [GREEN, "up"]]);
  });

  test("a release not served is 409 naming the served ones, never another release's answer; a forged release name is 401", async () => {
    await assert.rejects(search(host.origin, "r-0be0000000ee", "shared"), (error: UpstreamError) => {
      assert.match(error.message, /release r-0be0000000ee is not served here \(serving r-b1ue00000000, r-9ree00000000\)/);
      return true;
    });
    // Signed for blue, then relabelled green: the release is part of what is signed.
    const body = new TextEncoder().encode(JSON.stringify({ query: "shared" }));
    const headers = await signRequest(SECRET, "POST", "/tools/kb_search", body, undefined, undefined, BLUE);
    const relabelled = await fetch(new URL("/tools/kb_search", host.origin), { method: "POST", headers: { ...headers, "x-mcp-release": GREEN, "content-type": "application/json" }, body });
    assert.equal(relabelled.status, 401);
    assert.match((await relabelled.json()).error, /signature mismatch/);
    const unknownForged = await fetch(new URL("/tools/kb_search", host.origin), { method: "POST", headers: { ...headers, "x-mcp-release": "r-0be0000000ee", "content-type": "application/json" }, body });
    assert.equal(unknownForged.status, 401, "an unsigned caller learns nothing about what is served");
  });

  test("a caller that breaks off mid-body, to a release served or not, ends only its own request: the host keeps serving", async () => {
    const { port } = new URL(host.origin);
    for (const release of [BLUE, "r-0be0000000ee"]) {
      const socket = connect(Number(port), "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(`POST /tools/kb_search HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-mcp-release: ${release}\r\ncontent-length: 1000\r\n\r\n{"query":`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await fetch(new URL("/healthz", host.origin))).status, 200);
    assert.equal((await search(host.origin, GREEN, "shared")).hits.length, 2);
  });
});

describe("a release whose handler leaks", () => {
  let dataDir: string;
  let leaky: AppCopy;
  let host: TestReleaseHost;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "release-host-leak-"));
    // Its kb_search allocates without bound and never answers.
    leaky = copyApp();
    leaky.rewrite(
      "src/tools/kb.ts",
      "({ hits: await ctx.state.knowledgeBase.search(query, limit) })",
      "{ const held: Buffer[] = []; for (;;) { held.push(Buffer.alloc(16 * 1024 * 1024, 1)); await new Promise((wake) => setTimeout(wake, 5)); } }",
    );
    host = await startHost(dataDir, { [BLUE]: OWN_ENTRY, [LEAKY]: leaky.app("src/runtimes/node-main.ts") }, BLUE, 320);
  });
  after(async () => {
    await host?.stop();
    leaky?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("is restarted over its memory limit, saying why, while the other release keeps answering", async () => {
    const leakyPid = host.releases.get(LEAKY)!.pid;
    const doomed = search(host.origin, LEAKY, "anything").then(
      () => "answered",
      (error: Error) => error.message,
    );
    // Blue answers every call while the leak grows and its process is replaced.
    const answered: number[] = [];
    const deadline = Date.now() + 20_000;
    while (host.releases.get(LEAKY)!.restarts === 0 && Date.now() < deadline) {
      const started = Date.now();
      await search(host.origin, BLUE, "anything");
      answered.push(Date.now() - started);
    }
    assert.equal(host.releases.get(LEAKY)!.restarts, 1, `restarted once:\n${host.log.join("\n")}`);
    assert.ok(answered.length > 0);
    assert.match(host.log.join("\n"), new RegExp(`release ${LEAKY} \\(pid ${leakyPid}\\) uses \\d+ MB resident, over its limit of 320 MB \\(fly.releaseMemoryMb\\); restarting it`));
    assert.match(await doomed, /kb_search: release r-1eaky000000 dropped the call \(its process ended: uses \d+ MB resident, over its limit of 320 MB/);
    await until(() => host.releases.get(LEAKY)!.state === "up", 20_000, "the leaky release back up", () => host.log.join("\n"));
    assert.notEqual(host.releases.get(LEAKY)!.pid, leakyPid, "a new process");
    assert.equal((await search(host.origin, BLUE, "anything")).hits.length, 0);
  });
});
