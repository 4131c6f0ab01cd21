// The attack corpus: for each request, against Node and against the Worker in workerd, an honest status and a
// JSON-RPC error naming what was wrong; after each one the server is healthy, an ordinary call works and nothing
// acknowledged is lost. The signed backends (Fly's /tools/<name>, the Modal runner) are attacked directly.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { PRINCIPALS, HOSTS_AND_ORIGINS } from "./support/corpus/access.ts";
import { DEEP_JSON, SIZES, SLOW_BODIES } from "./support/corpus/limits.ts";
import { PROTOCOL } from "./support/corpus/protocol.ts";
import { type Case, type Expectation, type Runtime, type Target } from "./support/corpus/shape.ts";
import { SIGNED, signedCall, type Backend } from "./support/corpus/signed.ts";
import { startServers, Victim, type Servers } from "./support/corpus/targets.ts";
import { CSV_BOMBS, FTS5_SYNTAX, PROTOTYPE_KEYS } from "./support/corpus/tools.ts";
import { jsonRpcMessage, rawRequest, stallAfter, type RawAnswer } from "./support/raw-http.ts";
import { removeDataDir } from "./support/server-process.ts";

const CATEGORIES: [string, Case[]][] = [
  ["protocol (malformed JSON, batches, media types, versions, sessions, tokens, sizes, arguments, tools, methods)", PROTOCOL],
  ["authentication and principal separation", PRINCIPALS],
  ["Host and Origin variants", HOSTS_AND_ORIGINS],
  ["oversized headers, URLs and bodies", SIZES],
  ["bodies and headers that never end", SLOW_BODIES],
  ["deeply nested JSON", DEEP_JSON],
  ["prototype-pollution keys", PROTOTYPE_KEYS],
  ["FTS5 query syntax in kb_search", FTS5_SYNTAX],
  ["CSV bombs for csv_profile", CSV_BOMBS],
];
const RUNTIMES: Runtime[] = ["node", "edge"];

/** The case's expectation on this runtime, or why it does not apply there. */
function expectationOn(entry: Case, runtime: Runtime): Expectation | { skip: string } {
  const override = entry.on?.[runtime];
  if (override !== undefined && "skip" in override) return override;
  return { ...entry.expect, ...override };
}

function assertAnswer(answer: RawAnswer & { elapsedMs?: number }, expected: Expectation, target: Target): void {
  assert.equal(answer.status, expected.status, answer.body.slice(0, 300));
  if (expected.notBeforeMs) assert.ok(answer.elapsedMs! >= expected.notBeforeMs(target), `answered after ${answer.elapsedMs} ms, before the limit`);
  if (expected.platform) return;
  if (answer.body !== "" || answer.status !== 204) {
    assert.match(String(answer.headers["content-type"]), /^(application\/json|text\/event-stream)/, "never an HTML page");
  }
  const message = answer.body === "" ? {} : jsonRpcMessage(answer);
  if (expected.error) {
    assert.equal(message.error?.code, expected.error.code, JSON.stringify(message).slice(0, 300));
    assert.match(message.error?.message ?? "", expected.error.message);
  }
  if (expected.tool) {
    assert.equal(message.result?.isError, true, JSON.stringify(message).slice(0, 300));
    assert.match(message.result?.content?.[0]?.text ?? "", expected.tool);
  }
  expected.check?.(answer, target);
}

describe("the attack corpus", () => {
  let servers: Servers;
  const victims = new Map<Runtime, Victim>();

  before(async () => {
    servers = await startServers();
    victims.set("node", await Victim.open("node", servers.node.origin));
    victims.set("edge", await Victim.open("edge", servers.edge.origin));
  });
  after(async () => {
    await servers?.edge.dispose();
    await servers?.node.stop();
    if (servers) removeDataDir(servers.node.dataDir);
  });

  test("has at least 60 requests per runtime, every category covered, names unique", (t) => {
    const all = CATEGORIES.flatMap(([, cases]) => cases);
    assert.equal(new Set(all.map((entry) => entry.name)).size, all.length);
    for (const runtime of RUNTIMES) {
      const run = all.filter((entry) => !("skip" in expectationOn(entry, runtime))).length;
      assert.ok(run >= 60, `${runtime}: ${run} requests`);
      t.diagnostic(`${runtime}: ${run} requests`);
    }
    for (const [category, cases] of CATEGORIES) t.diagnostic(`${category}: ${cases.length}`);
    t.diagnostic(`signed endpoints: ${SIGNED.length} per backend, 2 backends`);
  });

  for (const runtime of RUNTIMES) {
    describe(runtime, () => {
      for (const [category, cases] of CATEGORIES) {
        describe(category, () => {
          for (const entry of cases) {
            const expected = expectationOn(entry, runtime);
            if ("skip" in expected) {
              test(entry.name, { skip: expected.skip }, () => undefined);
              continue;
            }
            test(`${entry.name}: HTTP ${expected.status}`, async () => {
              const victim = victims.get(runtime)!;
              assertAnswer(await victim.send(entry.send(victim.target)), expected, victim.target);
              await victim.assertUnharmed(entry.name);
            });
          }
        });
      }
    });
  }

  describe("signed endpoints, called directly", () => {
    const backends = (): Backend[] => [
      { name: "fly", origin: servers.node.origin, path: "/tools/echo", args: { text: "signed" } },
      { name: "modal", origin: servers.modalUrl, path: "/tools/csv_profile", args: { csv: "a\n1\n2\n" } },
    ];
    for (const backend of ["fly", "modal"] as const) {
      describe(backend, () => {
        for (const entry of SIGNED) {
          test(`${entry.name}: HTTP ${entry.status}`, async () => {
            const target = backends().find((candidate) => candidate.name === backend)!;
            const ordinary = await signedCall(target);
            assert.equal((await rawRequest(target.origin, ordinary)).status, 200);
            const request = await entry.send(target, ordinary);
            const answer = "bytes" in request ? await stallAfter(target.origin, request.bytes) : await rawRequest(target.origin, request as never);
            assert.equal(answer.status, entry.status, answer.body.slice(0, 300));
            assert.match(JSON.parse(answer.body).error?.message ?? JSON.parse(answer.body).error, entry.error);
            assert.equal((await rawRequest(target.origin, await signedCall(target))).status, 200, "an ordinary signed call still works");
          });
        }
      });
    }
  });
});
