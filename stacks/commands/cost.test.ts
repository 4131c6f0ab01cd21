import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gitRepo } from "../../test/fixtures/git-repo.ts";

const root = join(import.meta.dirname, "..", "..");
const main = join(import.meta.dirname, "cost.ts");
const prodText = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8");

function cost(args: string[], cwd = root) {
  const run = spawnSync(process.execPath, [main, ...args], { cwd, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A git repository holding prod as committed, with `edit` applied to its working tree. */
function prodRepo(edit: (text: string) => string): string {
  const repo = gitRepo();
  repo.commit({ "Pulumi.prod.yaml": prodText }, "prod");
  writeFileSync(join(repo.dir, "Pulumi.prod.yaml"), edit(prodText));
  return repo.dir;
}

test("the prod estimate has a subtotal per platform, a total, the assumptions and the unconfirmed prices", () => {
  const { code, stdout } = cost(["--stack", "prod"]);
  assert.equal(code, 0);
  assert.match(stdout, /^Monthly cost estimate of stack "prod": \$[\d,]+\.\d\d$/m);
  for (const platform of ["Cloudflare", "Fly.io", "Modal", "S3 backups"]) assert.match(stdout, new RegExp(`^${platform.replace(".", "\\.")} +-?\\$\\d`, "m"));
  assert.match(stdout, /^ {2}machine shared-cpu-2x 1024 MB in nrt, always on +2,592,000 second +\$\d+\.\d\d$/m);
  assert.match(stdout, /^Total +\$\d+\.\d\d$/m);
  assert.match(stdout, /^ {2}tool calls per month: 1,000,000$/m);
  assert.match(stdout, /^\* charged at a price not confirmed on the vendor's pricing page: .*modalCpuCore/m);
});

test("--json prints the same estimate for tools, and --no-free-tier costs more", () => {
  const withFree = JSON.parse(cost(["--stack", "staging", "--json"]).stdout) as { total: number; subtotals: Record<string, number>; lines: unknown[]; freeTier: boolean };
  const without = JSON.parse(cost(["--stack", "staging", "--json", "--no-free-tier"]).stdout) as { total: number; freeTier: boolean };
  assert.equal(withFree.freeTier, true);
  assert.equal(without.freeTier, false);
  assert.ok(Math.abs(Object.values(withFree.subtotals).reduce((a, b) => a + b, 0) - withFree.total) < 1e-9);
  assert.ok(without.total > withFree.total);
});

test("assumption flags change the estimate and are named in it", () => {
  const { code, stdout } = cost(["--stack", "staging", "--calls", "20000000", "--placement", "edge=1,fly=0,modal=0"]);
  assert.equal(code, 0);
  assert.match(stdout, /^ {2}tool calls per month: 20,000,000 \(--calls\)$/m);
  assert.match(stdout, /^ {2}Worker requests \(1 API version\) +20,000,000 request \(10,000,000 included\) +\$3\.00$/m);
});

test("--diff against a git ref prints the delta of adding a region: one machine and one volume", () => {
  const dir = prodRepo((text) => text.replace("regions: [iad, lax, ams, nrt]", "regions: [iad, lax, ams, nrt, ord]"));
  const { code, stdout, stderr } = cost(["--stack", "prod", "--diff", "main", "--root", dir]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^Monthly cost delta of stack "prod": \+\$9\.\d\d /m);
  assert.match(stdout, /^before: main:Pulumi\.prod\.yaml; after: Pulumi\.prod\.yaml;/m);
  assert.match(stdout, /^ {2}\+ machine shared-cpu-2x 1024 MB in ord, always on +\$0\.00 +\$7\.99 +\+\$7\.99$/m);
  assert.match(stdout, /^ {2}\+ volume 10 GB in ord +\$0\.00 +\$1\.50 +\+\$1\.50$/m);
});

test("--diff --markdown prints a table for a pull-request comment", () => {
  const dir = prodRepo((text) => text.replace("minContainers: 1", "minContainers: 2"));
  const { code, stdout } = cost(["--stack", "prod", "--diff", "main", "--root", dir, "--markdown", "--no-free-tier"]);
  assert.equal(code, 0);
  assert.match(stdout, /^### Monthly cost delta of `prod`: \+\$19\.85 /m);
  assert.match(stdout, /^\| Modal \| ~ keep-warm: min_containers 2 × 4 apps \(API versions × colors\), all month † \| \$19\.85 \| \$39\.71 \| \+\$19\.85 \|$/m);
  assert.match(stdout, /^\| \*\*Total\*\* \| /m);
});

test("--diff against a file, and an unchanged stack, says nothing changed", () => {
  const { code, stdout } = cost(["--stack", "prod", "--diff", join(root, "Pulumi.prod.yaml")]);
  assert.equal(code, 0);
  assert.match(stdout, /: ±\$0\.00 /);
  assert.match(stdout, /^No cost driver changed\.$/m);
});

test("a bad cost block, a bad flag and a bad ref each exit non-zero naming what was wrong", () => {
  const dir = prodRepo((text) => text.replace("\nconfig:\n", "\nconfig:\n  mcp-hosting:cost:\n    modalSeconds: -2\n"));
  const badBlock = cost(["--stack", "prod", "--root", dir]);
  assert.equal(badBlock.code, 1);
  assert.match(badBlock.stderr, /^ {2}cost\.modalSeconds: -2 is below 0 \(expected 0\.\.86400\)$/m);

  const badFlag = cost(["--stack", "prod", "--edge-cpu-ms", "fast"]);
  assert.equal(badFlag.code, 1);
  assert.match(badFlag.stderr, /^ {2}--edge-cpu-ms "fast": expected a number$/m);

  const badRef = cost(["--stack", "prod", "--diff", "no-such-ref", "--root", prodRepo((text) => text)]);
  assert.equal(badRef.code, 1);
  assert.match(badRef.stderr, /no-such-ref is not a commit, branch or tag/);
  assert.equal(badRef.stdout, "");
});

test("the prod estimate pasted in docs/cost.md is what a run prints", () => {
  const { stdout } = cost(["--stack", "prod"]);
  const page = readFileSync(join(root, "docs", "cost.md"), "utf8");
  assert.ok(page.includes(`\`\`\`\n${stdout}\`\`\``), "docs/cost.md's prod estimate differs from `npm run cost -- --stack prod`; paste the new output");
});

test("--diff --markdown prices a tool Function's GPU change for the pull-request comment", () => {
  const dir = prodRepo((text) => text.replace("gpu: L4", "gpu: A100-80GB"));
  const { code, stdout, stderr } = cost(["--stack", "prod", "--diff", "main", "--root", dir, "--markdown", "--no-free-tier"]);
  assert.equal(code, 0, stderr);
  // 100,000 calls of 0.2 s: (A100 80 GB − L4) × 20,000 GPU-seconds, at prices.json's rates
  assert.match(stdout, /^### Monthly cost delta of `prod`: \+\$9\.44 /m);
  assert.match(stdout, /^\| Modal \| ~ csv_cluster Function calls: 100,000 × 0\.2 s \(2 core, 4 GiB, A100-80GB\) † \| \$\d+\.\d\d \| \$\d+\.\d\d \| \+\$9\.44 \|$/m);
});
