import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..", "..");
const main = join(import.meta.dirname, "plan.ts");

function plan(args: string[], cwd = root) {
  const run = spawnSync(process.execPath, [main, ...args], { cwd, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A project dir with one stack file and the Modal sources the plan hashes. */
function projectWith(stackFile: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-plan-"));
  writeFileSync(join(dir, stackFile), text);
  mkdirSync(join(dir, "app", "modal"), { recursive: true });
  copyFileSync(join(root, "app", "modal", "modal_app.py"), join(dir, "app", "modal", "modal_app.py"));
  return dir;
}

test("the plan of prod lists every resource and says it is not pulumi preview", () => {
  const { code, stdout } = plan(["--stack", "prod"]);
  assert.equal(code, 0);
  assert.match(stdout, /This is NOT `pulumi preview`/);
  assert.match(stdout, /^TYPE\s+NAME\s+PARENT\s+KEY INPUTS$/m);
  assert.match(stdout, /cloudflare:WorkerVersion\s+edge-v2-green\s+edge-v2/);
  assert.match(stdout, /binding MCP_UPSTREAM_SECRET = \[secret\] \(secret_text\)/);
  // Every Worker version carries the Analytics Engine binding the guard's numbers come from.
  const versions = stdout.split(/\n(?=  \S)/).filter((block) => /^\s+cloudflare:WorkerVersion\s/.test(block));
  assert.equal(versions.length, 4, "v1 and v2, blue and green");
  for (const version of versions) assert.match(version, /binding MCP_CALLS → Analytics Engine dataset mcp_calls_prod/);
  assert.match(stdout, /^\d+ resources; config parsed in \d+ ms, program evaluated in \d+ ms/m);
});

test("the JSON plan marks itself offline and shows every secret as [secret]", () => {
  const { code, stdout } = plan(["--stack", "staging", "--json"]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout) as { offline: boolean; stack: string; resources: { type: string; inputs: unknown }[] };
  assert.equal(report.offline, true);
  assert.equal(report.stack, "staging");
  const secretEnvs = report.resources
    .filter((r) => r.type === "command:local:Command")
    .map((r) => (r.inputs as { environment: Record<string, string> }).environment);
  assert.ok(secretEnvs.length > 0);
  for (const env of secretEnvs) assert.equal(env.MODAL_TOKEN_SECRET, "[secret]");
});

test("a bad stack file prints each bad setting by path and exits non-zero", () => {
  const good = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8");
  const dir = projectWith("Pulumi.broken.yaml", good.replace("regions: [iad]", "regions: [iad, xyz]").replace("canaryPercent: 0", "canaryPercent: 150"));
  const { code, stdout, stderr } = plan(["--stack", "broken", "--root", dir]);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.match(stderr, /has 2 invalid settings:/);
  assert.match(stderr, /^ {2}apiVersions\.v1\.canaryPercent: 150 is above 100 \(expected 0\.\.100\)$/m);
  assert.match(stderr, /^ {2}fly\.regions\[1\]: "xyz" is not a Fly region \(expected one of ams, /m);
});

test("asking for a stack that has no file says where it looked, lists the stacks, and suggests the nearest", () => {
  const typo = plan(["--stack", "prdo"]);
  assert.equal(typo.code, 1);
  assert.equal(typo.stderr.trim(), `stack "prdo" does not exist: there is no Pulumi.prdo.yaml in ${root}. Stacks here: prod, staging. Did you mean prod?`);
  const far = plan(["--stack", "nope"]);
  assert.match(far.stderr, /^stack "nope" does not exist: .* Stacks here: prod, staging\n$/, "no suggestion when nothing is near");
});

test("in the plan of both stacks, the migration upload carries exactly the observability of its Worker (the upload replaces the script's whole block)", () => {
  const snake = (value: unknown): unknown =>
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(item)]))
      : value;
  const compared: string[] = [];
  for (const stack of ["staging", "prod"]) {
    const { code, stdout, stderr } = plan(["--stack", stack, "--json"]);
    assert.equal(code, 0, stderr);
    const resources = (JSON.parse(stdout) as { resources: { type: string; name: string; parent: string | null; inputs: Record<string, any> }[] }).resources;
    for (const worker of resources.filter((r) => r.type === "cloudflare:index/worker:Worker")) {
      const upload = resources.find((r) => r.type.endsWith(":ScriptMigrations") && r.parent === worker.parent);
      assert.ok(upload, `${stack}: ${worker.name} has its migrations resource`);
      assert.deepEqual(upload.inputs.upload.observability, snake(worker.inputs.observability), `${stack} ${worker.name}`);
      compared.push(`${stack}:${worker.parent}:${JSON.stringify(worker.inputs.observability)}`);
    }
  }
  // prod exports traces to a destination: the case where a bare `{ enabled: true }` switched the export off.
  assert.ok(compared.some((line) => line.startsWith("prod:") && line.includes("honeycomb-traces")), compared.join("\n"));
  assert.equal(compared.length, 3, "staging v1, prod v1 and v2");
});

test("the plan of a stack with the built-in authorization server shows its mode, its KV namespace and routes, and its client secret only as [secret]", () => {
  const dir = projectWith("Pulumi.builtin.yaml", readFileSync(join(root, "test", "fixtures", "stacks", "Pulumi.builtin.yaml"), "utf8"));
  const { code, stdout, stderr } = plan(["--stack", "builtin", "--root", dir]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /cloudflare:WorkersKvNamespace\s+oauth-kv\s+oauth\s+accountId=/);
  assert.match(stdout, /title=mcp-builtin-oauth/);
  assert.match(stdout, /binding MCP_AUTH_MODE = builtin/);
  assert.match(stdout, /binding OAUTH_KV → KV namespace oauth-kv-id/);
  assert.match(stdout, /binding MCP_AUTH_UPSTREAM_SECRET = \[secret\] \(secret_text\)/);
  assert.match(stdout, /pattern=mcp-builtin\.example\.com\/authorize\*/);
  assert.match(stdout, /env MCP_EDGE_ORIGIN=https:\/\/mcp-builtin\.example\.com/);

  const json = plan(["--stack", "builtin", "--root", dir, "--json"]);
  const report = JSON.parse(json.stdout) as { outputs: { oauth: { kvNamespaceId: string } } };
  assert.equal(report.outputs.oauth.kvNamespaceId, "oauth-kv-id");
  assert.ok(!json.stdout.includes("v1:cGxhY2Vob2xkZXI="), "the ciphertext of the client secret is not in the plan");
});
