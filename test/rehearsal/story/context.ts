/**
 * What a step of the story does with the world: a person's commands on the
 * laptop (with the deploy credentials docs/deploy.md has them export), commits and
 * pushes (a push starts the deploy workflow unless its head commit says
 * [skip ci], as GitHub does), workflow runs played from the YAML of the commit
 * they run for, pull requests, and checks that record what held.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Value } from "../workflow/expressions.ts";
import { play, type PlayOptions, type RunResult, type WorkflowEvent } from "../workflow/player.ts";
import type { CommandResult, World } from "../world.ts";

export interface Check {
  what: string;
  ok: boolean;
  detail?: string;
}

export interface StoryOptions {
  log: (line: string) => void;
  /** Workflows to play instead of the commit's own, by file name (a broken copy, in the tests). */
  workflows?: Record<string, string>;
  /** The guard's window in the deploy workflow (15m as written). */
  guard: string;
}

export class StepFailed extends Error {}

export class StoryContext {
  readonly world: World;
  readonly options: StoryOptions;
  checks: Check[] = [];
  /** The releases built so far, in order. */
  readonly releases: string[] = [];
  readonly runs: RunResult[] = [];
  #runId = 1000;
  #pr = 0;

  constructor(world: World, options: StoryOptions) {
    this.world = world;
    this.options = options;
  }

  log(line: string): void {
    this.options.log(line);
  }

  /** Records what held; a check that did not fails the step at its end. */
  check(what: string, ok: boolean, detail?: string): boolean {
    this.checks.push({ what, ok, ...(ok || detail === undefined ? {} : { detail: detail.slice(0, 4000) }) });
    this.log(`    ${ok ? "✔" : "✖"} ${what}${ok || !detail ? "" : `\n${detail.slice(0, 4000)}`}`);
    return ok;
  }

  /** A check that must hold for the step to go on. */
  require(what: string, ok: boolean, detail?: string): void {
    if (!this.check(what, ok, detail)) throw new StepFailed(what);
  }

  /** A command a person runs on the laptop, with the deploy credentials exported. */
  async laptop(command: string, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    return await this.world.sh(command, this.world.laptop, { ...this.world.deployCredentials, ...env });
  }

  /** Runs a command that must succeed. */
  async must(command: string, env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    const result = await this.laptop(command, env);
    this.require(`\`${command.length > 100 ? `${command.slice(0, 100)}…` : command}\` succeeds`, result.code === 0, `${result.stdout}\n${result.stderr}`);
    return result;
  }

  edit(path: string, change: (text: string) => string): void {
    const file = join(this.world.laptop, path);
    writeFileSync(file, change(readFileSync(file, "utf8")));
  }

  read(path: string): string {
    return readFileSync(join(this.world.laptop, path), "utf8");
  }

  /** The text of a file on the remote's main. */
  onMain(path: string): string {
    return this.world.git(this.world.remote, "show", `main:${path}`);
  }

  mainLog(count = 10): string[] {
    return this.world.git(this.world.remote, "log", "--format=%s", `-${count}`, "main").split("\n");
  }

  /** Commits everything on the laptop and pushes it; the push starts the deploy workflow unless it says [skip ci]. */
  async commitAndPush(message: string, extra: Partial<PlayOptions> = {}): Promise<RunResult | undefined> {
    await this.must(`git add --all && git commit -qm ${JSON.stringify(message)} && git pull -q --rebase origin main && git push -q origin HEAD:main`);
    const sha = this.world.git(this.world.laptop, "rev-parse", "HEAD");
    if (message.includes("[skip ci]")) {
      this.log("    (the head commit says [skip ci]: GitHub starts no workflow)");
      return undefined;
    }
    return await this.push(sha, "team", extra);
  }

  /** The deploy workflow of a push to main of `sha`. */
  async push(sha: string, actor: string, extra: Partial<PlayOptions> = {}): Promise<RunResult> {
    return await this.play("deploy.yml", { name: "push", ref: "refs/heads/main", sha, actor }, extra);
  }

  async dispatch(workflow: string, inputs: Record<string, Value>, extra: Partial<PlayOptions> = {}): Promise<RunResult> {
    const sha = this.world.git(this.world.remote, "rev-parse", "main");
    return await this.play(workflow, { name: "workflow_dispatch", ref: "refs/heads/main", sha, actor: "team", inputs }, extra);
  }

  /**
   * A pull request from `branch` of the repository (or a fork): GitHub's merge commit of it into
   * main, as `refs/pull/<n>/merge`, and the preview workflow for it.
   */
  async pullRequest(branch: string, actor: string, options: { fork?: boolean } = {}): Promise<{ number: number; run: RunResult }> {
    const number = ++this.#pr;
    const merge = mkdtempSync(join(this.world.dir, "merge-"));
    const git = (...args: string[]) => this.world.git(merge, ...args);
    git("clone", "-q", this.world.remote, ".");
    git("-c", "user.name=GitHub", "-c", "user.email=noreply@github.com", "merge", "-q", "--no-ff", "-m", `Merge ${branch} into main`, `origin/${branch}`);
    git("push", "-q", "origin", `HEAD:refs/pull/${number}/merge`);
    const sha = git("rev-parse", "HEAD");
    const headRepo = options.fork ? "someone/mcp-hosting" : this.world.repo.name;
    const run = await this.play("preview.yml", { name: "pull_request", ref: `refs/pull/${number}/merge`, sha, actor, pullRequest: { number, headRepo, headRef: branch, baseRef: "main" } });
    return { number, run };
  }

  async play(workflow: string, event: WorkflowEvent, extra: Partial<PlayOptions> = {}): Promise<RunResult> {
    // GitHub reads a workflow from the commit it runs for; a test may hand in a copy instead.
    let file = this.options.workflows?.[workflow];
    if (!file) {
      file = join(mkdtempSync(join(this.world.dir, "workflow-")), workflow);
      writeFileSync(file, this.world.git(this.world.remote, "show", `${event.sha}:.github/workflows/${workflow}`));
    }
    const run = await play({
      workflow: file,
      event,
      repo: this.world.repo,
      runnerEnv: this.world.env,
      dir: join(this.world.dir, "runner"),
      runId: ++this.#runId,
      // The guard's window, shortened; and the stand-in publisher's digest for the real archive's (world.ts, publisherArchive).
      envOverrides: { GUARD: this.options.guard, MCP_PUBLISHER_SHA256: this.world.publisherArchive.sha256 },
      idTokens: (identity) => this.world.mcpRegistry.idTokenRequest(identity, "https://pipelines.actions.githubusercontent.com"),
      approve: (environment) => {
        this.log(`    (the required reviewer of ${environment} approves the run)`);
        return true;
      },
      log: (line) => this.log(line),
      ...extra,
    });
    this.runs.push(run);
    return run;
  }

  /** What a step of a run printed, by the step's name. */
  stepOutput(run: RunResult, name: RegExp): string {
    return run.steps.filter((step) => name.test(step.name)).map((step) => step.output).join("\n");
  }

  /** The release a deploy run pinned: the id its pin step printed. */
  releaseOf(run: RunResult): string | undefined {
    return /pin (r-[0-9a-f]{12}) in staging:/.exec(this.stepOutput(run, /^Pin it/))?.[1];
  }

  /** The comments on a pull request. */
  comments(pr: number): { body: string }[] {
    return (JSON.parse(readFileSync(this.world.repo.commentsFile, "utf8")) as { pr: number; body: string }[]).filter((comment) => comment.pr === pr);
  }
}
