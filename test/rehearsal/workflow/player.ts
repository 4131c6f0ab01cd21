/**
 * Plays a GitHub Actions workflow from its YAML, step by step in the order
 * written, the way a runner would: jobs in the order their `needs` allow, a
 * job's `if`, its matrix, its `environment` (whose secrets it alone gets, whose
 * required reviewers must approve it, and whose branch rule must admit the
 * ref), then each step's `if`, env and `${{ }}` expressions, and `run:` as
 * `bash -e {0}` (GitHub's default shell when none is given) with
 * GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY. The commands a step runs
 * are the real ones, with stand-in pulumi, flyctl and modal first on PATH.
 *
 * `uses:` steps: actions/checkout makes the checkout from the repository's
 * remote as the action does (the ref, the depth); actions/upload-artifact and
 * download-artifact keep artifacts per run for its later jobs; pulumi/actions with a
 * `command` runs the stand-in pulumi with that command and stack (the
 * Automation API's `up` is `--yes --skip-preview`) and posts a preview on the
 * pull request when asked; actions that only install tools are recorded.
 * Which secrets a run sees follows GitHub: none of the Actions secrets for a
 * fork or for Dependabot (which gets the Dependabot secrets), and a read-only
 * GITHUB_TOKEN for a fork. A job may ask GitHub for an OIDC token only when its
 * permissions (its own `permissions:`, which replace the workflow's) grant
 * `id-token: write`: then, and never for a fork or Dependabot, its steps get
 * ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN (docs.github.com,
 * "OpenID Connect in GitHub Actions", "Adding permissions settings").
 */
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "yaml";
import type { JobIdentity } from "../../fixtures/fake-mcp-registry.ts";
import { withFileLock, writeWhole } from "../../stand-ins/file-lock.ts";
import { condition, interpolate, type Scope, type Value } from "./expressions.ts";

export interface Environment {
  secrets: Record<string, string>;
  /** Who must approve a job that names it; the story's `approve` decides. */
  reviewers: string[];
  /** Refs allowed to deploy to it (GitHub's deployment branch policy); any when absent. */
  branches?: string[];
}

export interface Repository {
  /** owner/name */
  name: string;
  /** The bare repository every checkout fetches from and every push goes to. */
  remote: string;
  secrets: Record<string, string>;
  dependabotSecrets: Record<string, string>;
  environments: Record<string, Environment>;
  /** Comments on pull requests (the fake GitHub; the stand-in gh writes the same file). */
  commentsFile: string;
}

export interface WorkflowEvent {
  name: "push" | "pull_request" | "workflow_dispatch";
  /** refs/heads/main, refs/pull/<n>/merge */
  ref: string;
  sha: string;
  actor: string;
  inputs?: Record<string, Value>;
  pullRequest?: { number: number; headRepo: string; headRef: string; baseRef: string };
}

export interface StepResult {
  job: string;
  name: string;
  status: "success" | "failure" | "skipped";
  output: string;
}

export interface JobResult {
  id: string;
  status: "success" | "failure" | "skipped";
  reason?: string;
  outputs: Record<string, string>;
}

export interface RunResult {
  workflow: string;
  status: "success" | "failure";
  jobs: JobResult[];
  steps: StepResult[];
}

export interface PlayOptions {
  /** The workflow file to play (a copy may be played instead of the checkout's). */
  workflow: string;
  event: WorkflowEvent;
  repo: Repository;
  /** The environment every step starts from: PATH with the stand-ins, the fake internet's proxy, … */
  runnerEnv: NodeJS.ProcessEnv;
  /** Where the jobs' workspaces go. */
  dir: string;
  runId: number;
  approve?: (environment: string, job: string) => boolean;
  /**
   * Workflow-level env values replaced for this run, only of keys the workflow sets: the guard's 15-minute
   * window, shortened, and the pinned sha256 of the registry's publisher, which the stand-in's archive
   * cannot match. The only changes to a workflow as written.
   */
  envOverrides?: Record<string, string>;
  /** Runs when a step whose name matches starts, before it (a merge landing during the guard window, say). */
  during?: { step: RegExp; run: () => Promise<void> | void }[];
  /** GitHub's OIDC token service: what a job granted `id-token: write` gets to request its token with. */
  idTokens?: (identity: JobIdentity) => { url: string; token: string };
  log: (line: string) => void;
}

type Step = { id?: string; name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown>; if?: string | boolean; shell?: string; "working-directory"?: string; "continue-on-error"?: boolean | string };
type Job = {
  name?: string;
  "runs-on"?: unknown;
  needs?: string | string[];
  if?: string | boolean;
  environment?: string | { name: string };
  env?: Record<string, unknown>;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  permissions?: Record<string, string> | string;
  steps: Step[];
};
type Workflow = { name?: string; env?: Record<string, unknown>; permissions?: Record<string, string> | string; jobs: Record<string, Job> };

/** Tool installers: the stand-ins are on PATH already, so these are recorded, not run. */
const INSTALLERS = ["actions/setup-node@", "actions/setup-python@", "superfly/flyctl-actions/setup-flyctl@"];

function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const values: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) values.push(lines[i]!);
      out[heredoc[1]!] = values.join("\n");
    } else if (line.includes("=")) out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
  }
  return out;
}

function git(dir: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout.trim();
}

/** The jobs in an order their `needs` allow, as written where they are free to go. */
function jobOrder(jobs: Record<string, Job>): string[] {
  const order: string[] = [];
  const needs = (id: string) => [jobs[id]!.needs ?? []].flat();
  while (order.length < Object.keys(jobs).length) {
    const next = Object.keys(jobs).find((id) => !order.includes(id) && needs(id).every((need) => order.includes(need)));
    if (!next) throw new Error(`the jobs' needs form a cycle or name a job that does not exist: ${JSON.stringify(Object.fromEntries(Object.keys(jobs).map((id) => [id, needs(id)])))}`);
    order.push(next);
  }
  return order;
}

function matrices(job: Job): Record<string, Value>[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  if ("include" in matrix || "exclude" in matrix) throw new Error("the workflow player does not expand matrix include/exclude");
  let combos: Record<string, Value>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) combos = combos.flatMap((combo) => (values as Value[]).map((value) => ({ ...combo, [key]: value })));
  return combos;
}

async function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv, shell: string | undefined, log: (line: string) => void): Promise<{ code: number; output: string }> {
  const file = join(env["RUNNER_TEMP"]!, `step-${Date.now()}-${Math.random().toString(16).slice(2)}.sh`);
  writeFileSync(file, script);
  // GitHub's default for `run` without `shell` is `bash -e {0}`; `shell: bash` adds --noprofile --norc -o pipefail.
  const args = shell === "bash" ? ["--noprofile", "--norc", "-eo", "pipefail", file] : ["-e", file];
  return await new Promise((resolve) => {
    const child = spawn("bash", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (chunk: string) => {
      output += chunk;
      for (const line of chunk.split("\n").filter(Boolean)) log(`        ${line}`);
    };
    child.stdout.setEncoding("utf8").on("data", take);
    child.stderr.setEncoding("utf8").on("data", take);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** What actions/checkout does: fetch the ref from the remote at the depth asked, check it out, origin pointing at the remote. */
function checkout(workspace: string, repo: Repository, ref: string, depth: number): void {
  mkdirSync(workspace, { recursive: true });
  git(workspace, "init", "-q");
  git(workspace, "remote", "add", "origin", `file://${repo.remote}`);
  const deep = depth === 0 ? [] : [`--depth=${depth}`];
  if (/^[0-9a-f]{40}$/.test(ref)) {
    git(workspace, "fetch", "-q", "--no-tags", ...deep, "origin", ref);
    if (depth === 0) git(workspace, "fetch", "-q", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*");
    git(workspace, "checkout", "-q", "--force", "--detach", ref);
  } else {
    const branch = ref.replace(/^refs\/heads\//, "");
    git(workspace, "fetch", "-q", "--no-tags", ...deep, "origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
    if (depth === 0) git(workspace, "fetch", "-q", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*");
    git(workspace, "checkout", "-q", "--force", "-B", branch, `refs/remotes/origin/${branch}`);
  }
}

export async function play(options: PlayOptions): Promise<RunResult> {
  const workflow = parse(readFileSync(options.workflow, "utf8")) as Workflow;
  const { event, repo } = options;
  const fork = event.pullRequest !== undefined && event.pullRequest.headRepo !== repo.name;
  const dependabot = event.name === "pull_request" && event.actor === "dependabot[bot]";
  const writes = typeof workflow.permissions === "object" && Object.values(workflow.permissions).includes("write");
  const token = `ghs-run${options.runId}-${fork || !writes ? "read" : "write"}-token`;
  const github: Value = {
    event_name: event.name,
    ref: event.ref,
    ref_name: event.ref.replace(/^refs\/(heads|tags)\//, ""),
    sha: event.sha,
    actor: event.actor,
    triggering_actor: event.actor,
    repository: repo.name,
    run_id: String(options.runId),
    token,
    base_ref: event.pullRequest?.baseRef ?? "",
    head_ref: event.pullRequest?.headRef ?? "",
    event: event.pullRequest
      ? { pull_request: { number: event.pullRequest.number, head: { repo: { full_name: event.pullRequest.headRepo }, ref: event.pullRequest.headRef }, base: { ref: event.pullRequest.baseRef } } }
      : { inputs: (event.inputs ?? {}) as Value },
  };
  const runSecrets = fork ? {} : dependabot ? repo.dependabotSecrets : repo.secrets;
  const results: JobResult[] = [];
  const steps: StepResult[] = [];
  const needsContext: Record<string, Value> = {};
  const log = options.log;
  log(`  workflow ${workflow.name ?? options.workflow} (${event.name} ${event.ref}, run ${options.runId})`);

  /** One job, or one leg of its matrix. Jobs whose needs are met run side by side, as on GitHub. */
  const runLeg = async (jobId: string, job: Job, matrix: Record<string, Value>): Promise<void> => {
    const needs = [job.needs ?? []].flat();
    {
      const label = Object.keys(matrix).length > 0 ? `${jobId} (${Object.values(matrix).join(", ")})` : jobId;
      const environmentName = typeof job.environment === "string" ? job.environment : job.environment?.name;
      const environment = environmentName ? repo.environments[environmentName] : undefined;
      const secrets = { ...runSecrets, ...(environment && !fork && !dependabot ? environment.secrets : {}), GITHUB_TOKEN: token };
      const needsFailed = needs.some((need) => results.find((r) => r.id === need)?.status !== "success");
      const scope: Scope = {
        status: needsFailed ? "failure" : "success",
        contexts: { github, inputs: (event.inputs ?? {}) as Value, needs: needsContext as Value, matrix: matrix as Value, secrets: secrets as Value, vars: {}, env: {}, steps: {}, job: {}, runner: { os: "Linux", temp: "" } },
      };
      const skip = (reason: string): void => {
        log(`    job ${label}: skipped (${reason})`);
        results.push({ id: jobId, status: "skipped", reason, outputs: {} });
      };
      if (!condition(job.if, scope)) {
        skip(needsFailed ? `a job it needs did not succeed` : `if: ${String(job.if)}`);
        return;
      }
      if (environmentName) {
        if (!environment) throw new Error(`job ${jobId} names environment ${environmentName}, which the repository does not have`);
        if (environment.branches && !environment.branches.some((branch) => `refs/heads/${branch}` === event.ref)) {
          const reason = `Branch "${event.ref}" is not allowed to deploy to ${environmentName} due to environment protection rules.`;
          log(`    job ${label}: ${reason}`);
          results.push({ id: jobId, status: "failure", reason, outputs: {} });
          return;
        }
        if (environment.reviewers.length > 0 && !(options.approve?.(environmentName, jobId) ?? false)) {
          skip(`waiting for a review of ${environmentName} by ${environment.reviewers.join(", ")}`);
          return;
        }
      }
      log(`    job ${label}${environmentName ? ` (environment ${environmentName})` : ""}`);
      // Legs run side by side: each line of theirs says whose it is.
      const legLog = (line: string) => log(line.replace(/^(\s*)/, `$1[${label}] `));
      const jobDir = join(options.dir, `run-${options.runId}`, label.replace(/[^A-Za-z0-9_-]+/g, "_"));
      const workspace = join(jobDir, "workspace");
      const temp = join(jobDir, "temp");
      mkdirSync(workspace, { recursive: true });
      mkdirSync(temp, { recursive: true });
      const files = { GITHUB_OUTPUT: join(temp, "output"), GITHUB_ENV: join(temp, "env"), GITHUB_STEP_SUMMARY: join(temp, "summary.md") };
      const stepsContext: Record<string, Value> = {};
      const base: NodeJS.ProcessEnv = {
        ...options.runnerEnv,
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_WORKSPACE: workspace,
        GITHUB_REPOSITORY: repo.name,
        GITHUB_SHA: event.sha,
        GITHUB_REF: event.ref,
        GITHUB_REF_NAME: String((github as Record<string, Value>).ref_name),
        GITHUB_ACTOR: event.actor,
        GITHUB_TRIGGERING_ACTOR: event.actor,
        GITHUB_RUN_ID: String(options.runId),
        GITHUB_EVENT_NAME: event.name,
        GITHUB_BASE_REF: event.pullRequest?.baseRef ?? "",
        GITHUB_HEAD_REF: event.pullRequest?.headRef ?? "",
        GITHUB_STEP_SUMMARY: files.GITHUB_STEP_SUMMARY,
        RUNNER_TEMP: temp,
      };
      const permissions = job.permissions ?? workflow.permissions;
      const idToken = permissions === "write-all" || (typeof permissions === "object" && permissions["id-token"] === "write");
      if (idToken && !fork && !dependabot && options.idTokens) {
        const request = options.idTokens({ repository: repo.name, ref: event.ref, ...(environmentName ? { environment: environmentName } : {}), runId: options.runId, workflow: workflow.name ?? basename(options.workflow) });
        base["ACTIONS_ID_TOKEN_REQUEST_URL"] = request.url;
        base["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = request.token;
      }
      const env = (fields: Record<string, unknown> | undefined) => Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, interpolate(String(v), scope)]));
      const overrides = Object.fromEntries(Object.entries(options.envOverrides ?? {}).filter(([key]) => key in (workflow.env ?? {})));
      const workflowEnv = { ...env(workflow.env), ...overrides };
      scope.contexts.env = workflowEnv;
      const jobEnv = { ...workflowEnv, ...env(job.env) };
      scope.contexts.env = jobEnv;
      // A job that runs although a job it needs failed (its `if:` said always() or !cancelled()) starts with a
      // clean slate: success() in its steps looks at this job's steps only (GitHub docs, "Status check functions").
      let failed = false;
      for (const [index, step] of job.steps.entries()) {
        const name = step.name ?? (step.run ? step.run.split("\n")[0]! : `uses ${step.uses}`);
        scope.status = failed ? "failure" : "success";
        scope.contexts.steps = stepsContext;
        if (!condition(step.if, scope)) {
          steps.push({ job: label, name, status: "skipped", output: "" });
          continue;
        }
        for (const hook of options.during ?? []) if (hook.step.test(name)) await hook.run();
        const added = existsSync(files.GITHUB_ENV) ? parseOutputFile(readFileSync(files.GITHUB_ENV, "utf8")) : {};
        const stepEnv = { ...jobEnv, ...added, ...env(step.env) };
        scope.contexts.env = stepEnv;
        writeFileSync(files.GITHUB_OUTPUT, "");
        const processEnv = { ...base, ...stepEnv, GITHUB_OUTPUT: files.GITHUB_OUTPUT, GITHUB_ENV: files.GITHUB_ENV };
        let result: { code: number; output: string };
        legLog(`      step ${index + 1}: ${name}`);
        if (step.run !== undefined) {
          const cwd = step["working-directory"] ? join(workspace, interpolate(step["working-directory"], scope)) : workspace;
          result = await runScript(interpolate(step.run, scope), cwd, processEnv, step.shell, legLog);
        } else {
          result = await useAction(step, scope, { workspace, repo, event, processEnv, log: legLog, artifacts: join(options.dir, `run-${options.runId}`, "artifacts") });
        }
        const outputs = parseOutputFile(readFileSync(files.GITHUB_OUTPUT, "utf8"));
        // continue-on-error: the step's outcome is a failure, its conclusion a success, and the job goes on.
        const tolerated = result.code !== 0 && (step["continue-on-error"] === true || interpolate(String(step["continue-on-error"] ?? ""), scope) === "true");
        const conclusion = result.code === 0 || tolerated ? "success" : "failure";
        if (step.id) stepsContext[step.id] = { outputs, outcome: result.code === 0 ? "success" : "failure", conclusion };
        steps.push({ job: label, name, status: conclusion, output: result.output });
        if (result.code !== 0) {
          legLog(`      step ${index + 1} failed (exit ${result.code})${tolerated ? "; continue-on-error" : ""}`);
          if (!tolerated) failed = true;
        }
      }
      scope.contexts.steps = stepsContext;
      const outputs = Object.fromEntries(Object.entries(job.outputs ?? {}).map(([key, value]) => [key, interpolate(value, scope)]));
      needsContext[jobId] = { result: failed ? "failure" : "success", outputs };
      results.push({ id: jobId, status: failed ? "failure" : "success", outputs });
      if (existsSync(files.GITHUB_STEP_SUMMARY)) appendFileSync(join(options.dir, `run-${options.runId}`, "summary.md"), readFileSync(files.GITHUB_STEP_SUMMARY));
    }
  };

  jobOrder(workflow.jobs); // a cycle, or a need of a job that does not exist, stops the run before it starts
  const done = new Set<string>();
  while (done.size < Object.keys(workflow.jobs).length) {
    const ready = Object.keys(workflow.jobs).filter((id) => !done.has(id) && [workflow.jobs[id]!.needs ?? []].flat().every((need) => done.has(need)));
    await Promise.all(ready.map((id) => Promise.all(matrices(workflow.jobs[id]!).map((matrix) => runLeg(id, workflow.jobs[id]!, matrix)))));
    for (const id of ready) done.add(id);
  }
  const status = results.some((job) => job.status === "failure") ? "failure" : "success";
  log(`  workflow ${workflow.name ?? ""}: ${status}`);
  return { workflow: options.workflow, status, jobs: results, steps };
}

interface ActionContext {
  workspace: string;
  repo: Repository;
  event: WorkflowEvent;
  processEnv: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** The run's artifact storage: one folder per artifact name, shared by its jobs. */
  artifacts: string;
}

async function useAction(step: Step, scope: Scope, ctx: ActionContext): Promise<{ code: number; output: string }> {
  const uses = step.uses ?? "";
  const input = (key: string) => (step.with?.[key] === undefined ? undefined : interpolate(String(step.with[key]), scope));
  if (uses.startsWith("actions/checkout@")) {
    const depth = Number(input("fetch-depth") ?? 1);
    const ref = input("ref") ?? ctx.event.sha;
    checkout(ctx.workspace, ctx.repo, ref, depth);
    return { code: 0, output: `checked out ${ref} (depth ${depth || "all"})` };
  }
  if (INSTALLERS.some((prefix) => uses.startsWith(prefix)) || (uses.startsWith("pulumi/actions@") && input("command") === undefined)) {
    ctx.log(`        recorded: ${uses} (a tool installer; the stand-ins are on PATH)`);
    return { code: 0, output: `recorded ${uses}` };
  }
  if (uses.startsWith("pulumi/actions@")) {
    const command = input("command")!;
    const stack = input("stack-name");
    if (!stack) return { code: 1, output: "pulumi/actions: stack-name is required when a command is given" };
    // The Automation API's up and destroy pass --yes --skip-preview.
    const args = [command, "--stack", stack, ...(command === "up" || command === "destroy" ? ["--yes", "--skip-preview"] : [])];
    const cwd = join(ctx.workspace, input("work-dir") ?? ".");
    const result = await runScript(`pulumi ${args.map((arg) => `'${arg}'`).join(" ")}`, cwd, ctx.processEnv, "bash", ctx.log);
    if (command === "preview" && input("comment-on-pr") === "true" && ctx.event.pullRequest) {
      const pr = ctx.event.pullRequest.number;
      // The action's comment, under the same lock the stand-in gh takes (a matrix leg may be posting too).
      withFileLock(ctx.repo.commentsFile, () => {
        const comments = existsSync(ctx.repo.commentsFile) ? (JSON.parse(readFileSync(ctx.repo.commentsFile, "utf8")) as unknown[]) : [];
        comments.push({ id: comments.length + 1, pr, body: `#### :tropical_drink: \`preview\` on ${stack}\n\n<details>\n\n\`\`\`\n${result.output}\n\`\`\`\n</details>`, user: { login: "github-actions[bot]" } });
        writeWhole(ctx.repo.commentsFile, JSON.stringify(comments, null, 2));
      });
    }
    return result;
  }
  if (uses.startsWith("actions/upload-artifact@")) return uploadArtifact(input, ctx);
  if (uses.startsWith("actions/download-artifact@")) return downloadArtifact(input, ctx);
  return { code: 1, output: `the workflow player does not know the action ${uses}` };
}

/**
 * actions/upload-artifact (v4 and later, README "v4 - What's new" and action.yml): `name`
 * (default `artifact`), one `path` relative to the workspace (a file or a folder), and
 * `if-no-files-found` (`warn` by default, `error`, `ignore`). Since v4 an artifact is immutable: a
 * second upload under a name the run has already used fails unless `overwrite: true`.
 */
function uploadArtifact(input: (key: string) => string | undefined, ctx: ActionContext): { code: number; output: string } {
  const name = input("name") ?? "artifact";
  const path = input("path");
  if (!path) return { code: 1, output: "Input required and not supplied: path" };
  const source = join(ctx.workspace, path);
  if (!existsSync(source)) {
    const mode = input("if-no-files-found") ?? "warn";
    const message = `No files were found with the provided path: ${path}. No artifacts will be uploaded.`;
    if (mode === "error") return { code: 1, output: message };
    ctx.log(`        ${mode === "warn" ? "warning: " : ""}${message}`);
    return { code: 0, output: message };
  }
  const target = join(ctx.artifacts, name);
  if (existsSync(target) && input("overwrite") !== "true") {
    return { code: 1, output: `Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run` };
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(source, statSync(source).isDirectory() ? target : join(target, basename(source)), { recursive: true });
  ctx.log(`        uploaded artifact ${name} (${path})`);
  return { code: 0, output: `Artifact ${name} has been successfully uploaded` };
}

/**
 * actions/download-artifact (v4 and later): `name` puts that artifact's files into `path` (default
 * the workspace); an artifact the run does not have fails the step, `Unable to download artifact(s):
 * Artifact not found for name: <name>`. Without `name`, every artifact, each in a folder of its name.
 */
function downloadArtifact(input: (key: string) => string | undefined, ctx: ActionContext): { code: number; output: string } {
  const name = input("name");
  const into = join(ctx.workspace, input("path") ?? ".");
  const names = name ? [name] : existsSync(ctx.artifacts) ? readdirSync(ctx.artifacts) : [];
  for (const each of names) {
    const source = join(ctx.artifacts, each);
    if (!existsSync(source)) return { code: 1, output: `Unable to download artifact(s): Artifact not found for name: ${each}` };
    cpSync(source, name ? into : join(into, each), { recursive: true });
  }
  ctx.log(`        downloaded ${names.length === 0 ? "no artifacts" : names.join(", ")}`);
  return { code: 0, output: `downloaded ${names.join(", ")}` };
}
