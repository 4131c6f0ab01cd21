/**
 * `npm run compat` as a person runs it: a release against what an API version
 * serves live, or against another release; and each kind of bad input with a
 * message that says what was wrong and what was expected.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { runScript, scratchProject } from "../../test/fixtures/commands.ts";
import { makeRelease, makeServingRelease, startLocalStore } from "../../test/fixtures/release-store.ts";
import { editStackFile, pinAll, shipped, withoutKbPutLongerQueries } from "../../test/fixtures/tool-changes.ts";

async function project() {
  const dir = scratchProject(["staging"]);
  const cache = join(dir, ".releases");
  const live = (await makeServingRelease(cache, shipped, { tag: "live" })).manifest.release;
  const next = (await makeServingRelease(cache, withoutKbPutLongerQueries, { tag: "next" })).manifest.release;
  pinAll(dir, "staging", "v1", live, "green");
  return { dir, cache, live, next };
}

const compat = (dir: string, ...args: string[]) => runScript("stacks/commands/compat.ts", ["--stack", "staging", "--root", dir, ...args]);

test("a release that removes one tool and loosens another: one breaking, one compatible, and how to publish it", async () => {
  const { dir, live, next } = await project();
  const run = await compat(dir, "--api", "v1", "--release", next);
  assert.equal(run.code, 4, run.stderr);
  const lines = run.stdout.split("\n");
  assert.equal(lines[0], `staging v1: ${next} against ${live} (what v1 serves live, green)`);
  assert.match(lines[1]!, /^ {2}breaking +kb_put +\$ +tool removed \(or renamed\): a pinned client calling it gets an unknown-tool error$/);
  assert.match(lines[2]!, /^ {2}compatible +kb_search +\$\.inputSchema\.properties\.query\.maxLength +maxLength 500 → 1000 \(loosened\): every call that was valid still is$/);
  assert.equal(lines[3], "  1 breaking, 1 compatible, 0 worth a human look");
  assert.match(lines[4]!, new RegExp(`^v1: a pinned client of v1 can fail\\. .*npm run api:add -- --stack staging --api v2 --from v1, then npm run pin -- --stack staging --release ${next} --api v2`));

  const json = await compat(dir, "--api", "v1", "--release", next, "--json");
  assert.equal(json.code, 4);
  const [comparison] = JSON.parse(json.stdout).comparisons;
  assert.deepEqual(comparison.counts, { breaking: 1, compatible: 1, review: 0 });
  assert.deepEqual(comparison.findings.map((f: { tool: string; path: string }) => `${f.tool} ${f.path}`), ["kb_put $", "kb_search $.inputSchema.properties.query.maxLength"]);
});

test("--against compares with any other release, and the reverse direction reads the other way", async () => {
  const { dir, live, next } = await project();
  const run = await compat(dir, "--api", "v1", "--release", live, "--against", next);
  assert.equal(run.code, 4, "shortening the query again is breaking");
  assert.match(run.stdout, new RegExp(`${live} against ${next} \\(given with --against\\)`));
  assert.match(run.stdout, /compatible +kb_put +\$ +tool added/);
  assert.match(run.stdout, /breaking +kb_search +\$\.inputSchema\.properties\.query\.maxLength +maxLength 1000 → 500 \(tightened\)/);
  const same = await compat(dir, "--api", "v1", "--release", live);
  assert.equal(same.code, 0);
  assert.match(same.stdout, /the same surface\n {2}0 breaking, 0 compatible, 0 worth a human look/);
});

test("the pull-request section compares this tree with every API version", async () => {
  const { dir, next } = await project();
  pinAll(dir, "staging", "v1", next);
  const run = await compat(dir, "--release", "local", "--markdown");
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^### MCP surface of `staging`: this tree's tools, prompts and resources against what each API version serves live/);
  // The release was built with tools only: this tree's prompt and resource template are additions.
  assert.match(run.stdout, new RegExp(`\\| v1 \\| ${next} \\(what v1 serves live, blue\\) \\| \\*\\*1\\*\\* \\| 3 \\| 0 \\|`));
  assert.match(run.stdout, /\| compatible \| `prompt kb_runbook` \| `\$` \| prompt added/);
  assert.match(run.stdout, /\| compatible \| `kb_put` \| `\$` \| tool added/);
  assert.match(run.stdout, /\| breaking \| `kb_search` \| `\$\.inputSchema\.properties\.query\.maxLength` \| maxLength 1000 → 500 \(tightened\)/);
});

test("bad input: an unknown release, one from before surfaces, an API version not in the stack, a schema that cannot be read", async () => {
  const { dir, cache, next } = await project();
  const store = await startLocalStore();
  editStackFile(dir, "staging", [
    { path: ["artifactStore", "bucket"], value: store.bucket },
    { path: ["artifactStore", "endpoint"], value: store.endpoint },
  ]);
  const unknown = await runScript("stacks/commands/compat.ts", ["--stack", "staging", "--root", dir, "--api", "v1", "--release", "r-0123456789ab"], store.env);
  await store.close();
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /^release r-0123456789ab is neither in \.releases\/ nor in s3:\/\/acme-mcp-hosting-releases\/releases\/ \(expected it built here with npm run release:build, or published with npm run release:publish .*\)\n$/,
  );
  const noCredentials = await compat(dir, "--api", "v1", "--release", "r-0123456789ab");
  assert.match(noCredentials.stderr, /^release r-0123456789ab is not in \.releases\/, and artifact store s3:\/\/\S+: no AWS credentials \(expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment\)\n$/);

  const old = makeRelease(cache, { tag: "old" }).manifest.release;
  const predates = await compat(dir, "--api", "v1", "--release", next, "--against", old);
  assert.equal(predates.code, 1);
  assert.match(predates.stderr, new RegExp(`^release ${old} has no MCP surface in its manifest: it was built before release manifests recorded one`));

  const noApi = await compat(dir, "--api", "v9", "--release", next);
  assert.equal(noApi.code, 1);
  assert.match(noApi.stderr, /^--api v9: .*Pulumi\.staging\.yaml has no API version v9 \(expected one of v1; npm run api:add adds one\)\n$/);

  const badId = await compat(dir, "--api", "v1", "--release", "latest");
  assert.match(badId.stderr, /^--release: "latest" is not a release id \(expected r-<12 hex>, or local for the working tree\)/);

  const broken = makeRelease(cache, {
    tag: "broken",
    tools: [{ name: "kb_put", placement: "fly" }],
    surface: { protocolVersion: "2025-11-25", tools: [{ name: "kb_put", inputSchema: { type: "object", properties: { key: { type: "string", pattern: "[a-z" } } } }] },
  }).manifest.release;
  const parse = await compat(dir, "--api", "v1", "--release", broken);
  assert.equal(parse.code, 1);
  assert.match(parse.stderr, new RegExp(`^release ${broken}, tool kb_put: a schema cannot be read: \\$\\.inputSchema\\.properties\\.key\\.pattern: is string "\\[a-z" \\(expected an ECMA-262 regular expression\\)\\n$`));
});
