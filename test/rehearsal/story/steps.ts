/**
 * The story the rehearsal plays: a team's first day and the weeks after it,
 * from four empty accounts through the workflows as written. Each step acts
 * the way the team would (the docs' commands on a laptop, pushes, pull
 * requests, workflow runs) and then checks what the fake accounts and the
 * repository hold.
 */
import { writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { parse } from "yaml";
import type { RunResult } from "../workflow/player.ts";
import { CREDENTIALS } from "../world.ts";
import type { StoryContext } from "./context.ts";

export interface Step {
  title: string;
  run(ctx: StoryContext): Promise<void>;
}

const APP = "mcp-hosting-staging";
/** Prod's entry in the MCP registry: Pulumi.prod.yaml's registry block, in the namespace of the repository's owner (acme). */
const REGISTRY_NAME = "io.github.acme/mcp-hosting";
const SCRIPT = "mcp-staging-v1";

/** Each share of a script's active deployment, as color, release and percentage (from the versions' bindings). */
function shares(ctx: StoryContext, script: string): { color: string; release: string; percentage: number; versionId: string }[] {
  const deployment = ctx.world.cloudflare.account.activeDeployment(script);
  return (deployment?.versions ?? []).map(({ versionId, percentage }) => {
    const bindings = ctx.world.cloudflare.versions.get(versionId)?.bindings ?? [];
    const text = (name: string) => bindings.find((b) => b.name === name)?.text ?? "?";
    return { color: text("COLOR"), release: text("RELEASE"), percentage, versionId };
  });
}

const describeShares = (list: ReturnType<typeof shares>) => list.map((s) => `${s.color} ${s.release} ${s.percentage}%`).join(", ");

/** The stack file's view of an API version on main. */
function stackOnMain(ctx: StoryContext, stack: string, api = "v1"): { live: string; blue: string; green: string; canaryPercent: number; fly: string } {
  const config = (parse(ctx.onMain(`Pulumi.${stack}.yaml`)) as { config: Record<string, any> }).config;
  const version = config["mcp-hosting:apiVersions"][api];
  return { live: version.live, blue: version.slots.blue.release, green: version.slots.green.release, canaryPercent: version.canaryPercent ?? 0, fly: config["mcp-hosting:fly"].release };
}

function runOk(ctx: StoryContext, run: RunResult | undefined, what: string): void {
  const failed = run?.steps.find((step) => step.status === "failure");
  ctx.require(`${what}: the run succeeded`, run?.status === "success", failed ? `step "${failed.name}" failed:\n${failed.output.slice(-3000)}` : JSON.stringify(run?.jobs));
}

/** The deployments of a script since `from`, in order, each as its shares. */
function deploymentsSince(ctx: StoryContext, script: string, from: number): string[] {
  return (ctx.world.cloudflare.account.script(script)?.deployments ?? []).slice(from).map((d) => `${d.via}: ${d.versions.map((v) => `${ctx.world.cloudflare.versions.get(v.versionId)?.bindings.find((b) => b.name === "COLOR")?.text ?? "upload"} ${v.percentage}%`).join(" + ")}`);
}

const deploymentCount = (ctx: StoryContext, script: string) => ctx.world.cloudflare.account.script(script)?.deployments.length ?? 0;

export const STORY: Step[] = [
  {
    title: "an empty account",
    async run(ctx) {
      const { world } = ctx;
      ctx.check("Fly: no app, nothing in the registry", world.fly.model.apps.size === 0);
      ctx.check("Cloudflare: no Worker, route or domain", world.cloudflare.workers.size === 0 && world.cloudflare.routes.size === 0 && world.cloudflare.domains.size === 0);
      ctx.check("Modal: no app", Object.keys(world.modal.state().apps).length === 0);
      ctx.check("S3: no bucket", (await world.s3.buckets()).length === 0);
      ctx.check(
        "GitHub: the deploy secrets are environment secrets; the repository holds only read-only ones and a model-only key",
        Object.keys(world.repo.secrets).every((name) => name.startsWith("READONLY_") || name.startsWith("EVAL_")) && world.repo.environments.production!.reviewers.length > 0,
      );
      // The rule the old pipeline broke: an image pushed before the app exists is refused.
      await ctx.must("npm ci");
      const early = await ctx.laptop(`flyctl deploy --build-only --push --app ${APP} --image-label early --dockerfile app/Dockerfile .`);
      ctx.check("flyctl's build before the app exists is refused: the app could not be found", early.code !== 0 && /the app name mcp-hosting-staging could not be found, did you create the app/.test(early.stderr), early.stderr);
      const docker = await ctx.laptop(`docker build --tag registry.fly.io/${APP}:early --file app/Dockerfile . && docker push registry.fly.io/${APP}:early`);
      ctx.check("a docker push before the app exists is refused: name unknown: app repository not found", docker.code !== 0 && /name unknown: app repository not found/.test(docker.stderr), docker.stdout + docker.stderr);
    },
  },
  {
    title: "the first deploy of staging",
    async run(ctx) {
      const { world } = ctx;
      // docs/deploy.md, "The first deploy, from four fresh accounts": the artifact store first, then the stacks, their secrets, the first release.
      await world.s3.client.send(new CreateBucketCommand({ Bucket: "acme-mcp-hosting-releases" }));
      ctx.log("    $ aws s3 mb s3://acme-mcp-hosting-releases   (done with the S3 API)");
      await ctx.must("pulumi login && pulumi stack init staging && pulumi stack init prod");
      const placeholders = await ctx.laptop("pulumi preview --stack staging");
      ctx.check("before its secrets are set, the stack refuses the committed placeholders", placeholders.code !== 0 && /could not decrypt configuration value 'mcp-hosting:/.test(placeholders.stderr), placeholders.stderr);
      for (const stack of ["staging", "prod"]) {
        await ctx.must(
          [
            `pulumi config set --secret upstreamSecret "$(openssl rand -hex 32)" -s ${stack}`,
            `pulumi config set --secret modalTokenId ${CREDENTIALS.modal.id} -s ${stack}`,
            `pulumi config set --secret modalTokenSecret ${CREDENTIALS.modal.secret} -s ${stack}`,
          ].join(" && "),
        );
      }
      await ctx.must(`pulumi config set --secret authToken ${CREDENTIALS.prodAuthToken} -s prod && pulumi config set --secret otlpHeaders 'x-honeycomb-team=rehearsal' -s prod && pulumi config set --path apiVersions.v1.canaryPercent 0 -s prod`);
      const built = await ctx.must("npm run -s release:build -- --print-id");
      const first = built.stdout.trim().split("\n").pop()!;
      ctx.require("the first release is built", /^r-[0-9a-f]{12}$/.test(first), built.stdout);
      ctx.releases.push(first);
      await ctx.must(`npm run release:publish -- --stack staging --release ${first}`);
      await ctx.must(`npm run pin -- --stack staging --release ${first} --initial && npm run pin -- --stack prod --release ${first} --initial`);
      const run = await ctx.commitAndPush(`First release ${first}, in both slots of both stacks; the stacks' secrets`);
      runOk(ctx, run, "the deploy workflow of the first push");
      ctx.check("npm test gated the deploy: the test job ran first", run!.jobs[0]?.id === "test" && run!.jobs[0]?.status === "success" && /npm test: recorded/.test(ctx.stepOutput(run!, /^npm test$/)));

      const app = world.fly.model.apps.get(APP);
      ctx.check("Fly: the app exists, in org acme", app?.org === "acme");
      ctx.check("Fly: the registry holds the release's image, labelled with it", world.fly.registry.tags(APP).includes(first));
      const about = world.fly.requests.filter((r) => r.path.includes(APP));
      const manifest = about.findIndex((r) => r.method === "PUT" && r.path === `/v2/${APP}/manifests/${first}`);
      const machine = about.findIndex((r) => r.method === "POST" && r.path === `/apps/${APP}/machines`);
      ctx.check("Fly: the image was pushed after the app existed and before the first machine was created", manifest > about.findIndex((r) => r.method === "POST" && r.path === "/apps") && manifest < machine && machine > 0, `manifest at ${manifest}, machine at ${machine}`);
      const machines = world.fly.model.machinesOf(APP);
      ctx.check("Fly: one machine in iad, started, on the release's image, mounting iad's volume", machines.length === 1 && machines[0]!.region === "iad" && machines[0]!.state === "started" && machines[0]!.config.image === `registry.fly.io/${APP}:${first}` && world.fly.model.volumes.get(machines[0]!.config.mounts?.[0]?.volume ?? "")?.region === "iad");
      const script = world.cloudflare.account.script(SCRIPT);
      ctx.check("Cloudflare: migration v1 applied by the non-versioned upload (McpSession, PrincipalState)", script?.appliedTag === "v1" && script.deployments[0]?.via === "upload" && [...script.classes].sort().join() === "McpSession,PrincipalState");
      ctx.check("Cloudflare: then the program's deployment sends all traffic to the live color (green), which runs the release", describeShares(shares(ctx, SCRIPT)) === `green ${first} 100%`, describeShares(shares(ctx, SCRIPT)));
      ctx.check("Cloudflare: the route and the custom domain", [...world.cloudflare.routes.values()].some((r) => r.pattern === "mcp-staging.example.com/v1/*") && [...world.cloudflare.domains.values()].some((d) => d.hostname === "mcp-staging.example.com"));
      const modalApps = world.modal.state().apps;
      ctx.check("Modal: one app per color, deployed with the release's tag", ["blue", "green"].every((color) => modalApps[`staging/mcp-staging-v1-${color}`]?.tag === first));
      const buckets = await world.s3.buckets();
      ctx.check("S3: the artifact store and the backup bucket", buckets.includes("acme-mcp-hosting-releases") && buckets.includes("acme-mcp-hosting-staging-backups"), buckets.join(", "));
      await world.s3.client.send(new HeadObjectCommand({ Bucket: "acme-mcp-hosting-releases", Key: `releases/${first}/manifest.json` }));
      const verify = ctx.stepOutput(run!, /^Check the idle color/);
      ctx.check("the first deploy was smoke-tested end to end: the edge serves the release, tools on Fly and Modal answered", new RegExp(`serves release ${first}`).test(verify) && /verify: passed/.test(verify) && world.flyMachines.served.some((s) => s.path.startsWith("/tools/kb_")) && world.modalApps.served.some((s) => s.path.startsWith("/tools/csv_profile")), verify);
      ctx.check("nothing was pinned by the pipeline: the first release was already live", stackOnMain(ctx, "staging").green === first && stackOnMain(ctx, "staging").blue === first);
    },
  },
  {
    title: "a second release: a 10% canary, the guard, and the cutover",
    async run(ctx) {
      const { world } = ctx;
      ctx.edit("app/src/tools/echo.ts", (text) => text.replace("Use it to check that the MCP connection works end to end", "Use it to check, end to end, that the MCP connection works"));
      const before = deploymentCount(ctx, SCRIPT);
      const flyBefore = world.flyMachines.served.length;
      const teammate = `${world.dir}/teammate`;
      const run = await ctx.commitAndPush("Describe echo more plainly", {
        // A merge lands on main while this run waits out its guard (step 4 checks what came of it).
        during: [
          {
            step: /^Check the idle color/,
            run: () => {
              ctx.log("    (meanwhile a teammate's pull request is merged into main)");
              world.git(world.dir, "clone", "-q", world.remote, teammate);
              const file = `${teammate}/app/src/tools/notes.ts`;
              world.git(teammate, "config", "user.name", "Teammate");
              world.git(teammate, "config", "user.email", "teammate@acme.example");
              const text = ctx.read("app/src/tools/notes.ts");
              writeFileSync(file, text.replace(/description:\s*\n?\s*"/, (m) => `${m}Notes of this session. `));
              world.git(teammate, "commit", "-qam", "Merge pull request #7: notes say whose they are");
              world.git(teammate, "push", "-q", "origin", "HEAD:main");
            },
          },
        ],
      });
      runOk(ctx, run, "the deploy workflow of the second release");
      const second = ctx.releaseOf(run!)!;
      ctx.releases.push(second);
      ctx.check("a new release was built and pinned into the idle color (blue)", second !== ctx.releases[0] && ctx.mainLog(20).some((s) => s === `Pin ${second} to staging's idle slots [skip ci]`));
      const history = deploymentsSince(ctx, SCRIPT, before);
      ctx.check("Cloudflare: 1% to blue for the direct check, then the 10% canary, then all of it", JSON.stringify(history) === JSON.stringify(["deployment: blue 1% + green 99%", "deployment: blue 10% + green 90%", "deployment: blue 100%"]), history.join("\n"));
      const overrides = world.edge.served.filter((s) => s.by === "override");
      const blueVersion = shares(ctx, SCRIPT)[0]?.versionId;
      ctx.check("the direct check reached blue's version through the override", overrides.some((s) => s.version === blueVersion), JSON.stringify(overrides.slice(0, 3)));
      const output = ctx.stepOutput(run!, /^Check the idle color/);
      // echo's description changed: the evals compared the colors, each through its own override, and found no regression.
      const echoDescriptions = new Set(world.model.requests.map((r) => r.tools.find((t) => t.name === "echo")?.description));
      ctx.check(
        "the evals saw echo's description change and asked the model with each color's tools, then let the canary go on",
        /tools that changed: echo: description changed/.test(output) && [...echoDescriptions].some((d) => d?.includes("to check, end to end,")) && [...echoDescriptions].some((d) => d?.includes("works end to end")) && !/regressed the tool-selection evals/.test(output),
        output.slice(-1500),
      );
      ctx.check("the evals reached the live color (green) through an override too", overrides.some((s) => s.version !== blueVersion), JSON.stringify(overrides.slice(-3)));
      ctx.check("the check said what it proves: the Worker code of that version, not its Durable Objects", /not its Durable Objects/.test(output));
      ctx.check("both guard windows held", (output.match(/guard: held/g) ?? []).length === 2, output.slice(-2000));
      ctx.check("all traffic on blue, running the second release", describeShares(shares(ctx, SCRIPT)) === `blue ${second} 100%`, describeShares(shares(ctx, SCRIPT)));
      const machines = world.fly.model.machinesOf(APP);
      ctx.check(
        "Fly: the machines kept their image (the same host runtime) and serve both releases side by side: the pin was one machine update, no image build",
        machines.every((m) => m.config.image === `registry.fly.io/${APP}:${ctx.releases[0]}` && String((m.config.metadata as Record<string, string> | undefined)?.["mcp_hosting_releases"]).split(",").sort().join() === [ctx.releases[0], second].sort().join()),
        JSON.stringify(machines.map((m) => [m.config.image, (m.config.metadata as Record<string, string> | undefined)?.["mcp_hosting_releases"]])),
      );
      const flyCalls = world.flyMachines.served.slice(flyBefore).filter((s) => s.path.startsWith("/tools/"));
      ctx.check(
        "Fly: a canary on Fly too: the new color's Fly calls (the direct check, the guard's scripted calls) were answered by its own release, never refused, never by another",
        flyCalls.some((s) => s.release === second && s.status === 200) && flyCalls.every((s) => s.status === 200 && (s.release === second || s.release === ctx.releases[0])),
        JSON.stringify(flyCalls.map((s) => [s.path, s.release, s.status]).slice(0, 12)),
      );
      ctx.check("Modal: blue redeployed with the release, green untouched", world.modal.state().apps["staging/mcp-staging-v1-blue"]?.tag === second && world.modal.state().apps["staging/mcp-staging-v1-green"]?.tag === ctx.releases[0]);
    },
  },
  {
    title: "a merge that races the push",
    async run(ctx) {
      const { world } = ctx;
      const log = ctx.mainLog(6);
      const second = ctx.releases[1]!;
      ctx.check("main keeps the teammate's merge, with the cutover commit rebased on top of it", log[0] === `Cut over v1 in staging to blue (${second}) [skip ci]` && log.includes("Merge pull request #7: notes say whose they are"), log.join("\n"));
      const run = ctx.runs.at(-1)!;
      ctx.check("the push was refused once and rebased, not lost", /push to main refused \(attempt 1 of 5\): main moved; rebasing/.test(ctx.stepOutput(run, /^Check the idle color/)));
      const onMain = stackOnMain(ctx, "staging");
      ctx.check("main's stack file says what the cloud runs: blue live with the second release", onMain.live === "blue" && onMain.blue === second && describeShares(shares(ctx, SCRIPT)) === `blue ${second} 100%`, JSON.stringify(onMain));
      // The merge's own push started a run, which waited in the pins-main queue until now.
      const merged = world.git(world.remote, "log", "--format=%H", "--grep", "Merge pull request #7", "-1", "main");
      const before = deploymentCount(ctx, SCRIPT);
      const queued = await ctx.push(merged, "teammate");
      runOk(ctx, queued, "the queued run of the merge");
      const third = ctx.releaseOf(queued)!;
      ctx.releases.push(third);
      ctx.check("the queued run read the newest main, so it pinned its release into green, the color that is really idle", ctx.mainLog(20).includes(`Pin ${third} to staging's idle slots [skip ci]`) && stackOnMain(ctx, "staging").green === third, JSON.stringify(stackOnMain(ctx, "staging")));
      ctx.check("and cut over from blue to green with the guard", JSON.stringify(deploymentsSince(ctx, SCRIPT, before)) === JSON.stringify(["deployment: blue 99% + green 1%", "deployment: blue 90% + green 10%", "deployment: green 100%"]), deploymentsSince(ctx, SCRIPT, before).join("\n"));
    },
  },
  {
    title: "a rollback",
    async run(ctx) {
      const second = ctx.releases[1]!;
      await ctx.must("git pull -q --rebase origin main");
      await ctx.must("npm run rollback -- --stack staging --api v1");
      const flyWrites = ctx.world.fly.requests.length;
      await ctx.must("pulumi up --yes --stack staging");
      await ctx.commitAndPush("Roll back v1 in staging [skip ci]");
      const machineWrites = ctx.world.fly.requests.slice(flyWrites).filter((r) => r.method !== "GET" && r.path.includes("/machines"));
      ctx.check("Fly: the rollback moved no machine (no update, no restart): the edge's split alone decides which release's Fly handlers answer", machineWrites.length === 0, JSON.stringify(machineWrites.slice(0, 5)));
      const direct = JSON.parse(await (await ctx.world.s3.client.send(new GetObjectCommand({ Bucket: "acme-mcp-hosting-staging-backups", Key: "releases/direct.json" }))).Body!.transformToString()) as { release: string };
      ctx.check("Fly: direct clients follow too: the bucket now names the second release as live, for the machines to read", direct.release === second, JSON.stringify(direct));
      ctx.check("all traffic back on blue, the color live before the cutover, running the second release", describeShares(shares(ctx, SCRIPT)) === `blue ${second} 100%`, describeShares(shares(ctx, SCRIPT)));
      ctx.check("main's stack file says so", stackOnMain(ctx, "staging").live === "blue");
      const again = await ctx.laptop("npm run rollback -- --stack staging --api v1");
      ctx.check("a second rollback changes nothing and says so", again.code === 0 && /already rolled back/.test(again.stdout), again.stdout + again.stderr);
      ctx.check("the rollback commit said [skip ci]: no workflow undid it", ctx.runs.length === 3);
    },
  },
  {
    title: "a pull request from a branch: read-only credentials, with its comment",
    async run(ctx) {
      const { world } = ctx;
      await ctx.must("git checkout -q -b raise-rate-limit && pulumi config set --path rateLimit.callsPerMinute 900 --stack staging && git commit -qam 'Raise staging rate limit' && git push -q origin raise-rate-limit && git checkout -q main");
      const flyBefore = world.fly.requests.length;
      const cloudflareBefore = world.cloudflare.requests.length;
      // A teammate's pull request, and one of Dependabot's: GitHub runs their workflows side by side.
      const [{ number, run }, dependabot] = await Promise.all([ctx.pullRequest("raise-rate-limit", "alice"), ctx.pullRequest("raise-rate-limit", "dependabot[bot]")]);
      runOk(ctx, run, "the preview workflow of the pull request");
      const comments = ctx.comments(number).map((c) => c.body);
      ctx.check("the offline diff of both stacks is commented, with the change", comments.some((c) => c.startsWith("<!-- offline-diff:staging -->") && /"600" → "900"/.test(c)) && comments.some((c) => c.startsWith("<!-- offline-diff:prod -->")), comments.map((c) => c.slice(0, 200)).join("\n---\n"));
      ctx.check("pulumi preview of both stacks is commented", ["staging", "prod"].every((stack) => comments.some((c) => c.includes(`\`preview\` on ${stack}`))));
      ctx.check("the preview made no call to Fly (no Fly token is in reach of a pull request)", world.fly.requests.length === flyBefore, JSON.stringify(world.fly.requests.slice(flyBefore, flyBefore + 5)));
      const cloudflareCalls = world.cloudflare.requests.slice(cloudflareBefore);
      ctx.check("Cloudflare saw only the read-only token, and no write", cloudflareCalls.every((r) => r.authorization === `Bearer ${CREDENTIALS.cloudflare.read}` && r.method === "GET"), JSON.stringify(cloudflareCalls.slice(0, 5)));
      runOk(ctx, dependabot.run, "the preview workflow of a Dependabot pull request");
      ctx.check("Dependabot's pull request skipped the live preview", dependabot.run.jobs.filter((j) => j.id === "pulumi-preview").every((j) => j.status === "skipped"));
      ctx.check("and its report says why", ctx.comments(dependabot.number).some((c) => /Live `pulumi preview` skipped: Dependabot pull requests get no Actions secrets/.test(c.body)));
      ctx.check(
        "the evals ran both builds, saw the same tools, and asked no model (its line in the staging comment)",
        comments.some((c) => c.startsWith("<!-- offline-diff:staging -->") && c.includes("eval: skipped: both endpoints list the same tools with the same descriptions and schemas")) &&
          !comments.some((c) => c.startsWith("<!-- offline-diff:prod -->") && c.includes("eval:")),
        comments.map((c) => c.slice(-400)).join("\n---\n"),
      );
      ctx.check("Dependabot's evals had no model key, and said so", ctx.comments(dependabot.number).some((c) => c.body.includes("eval: skipped: no model credentials")));
      // A pull request that blurs a tool's description: the evals run it against main's build and catch it.
      await ctx.must("git checkout -q -b vague-notes");
      const notes = ctx.read("app/src/tools/notes.ts");
      ctx.edit("app/src/tools/notes.ts", (text) => text.replace(/(description:\s*)"[^"]*Appends a short note[^]*?with note_list\.",/, `$1"Returns the server's build version and uptime, for diagnostics.",`));
      ctx.require("note_add's description was rewritten", ctx.read("app/src/tools/notes.ts") !== notes);
      await ctx.must("git commit -qam 'Describe note_add as a diagnostic' && git push -q origin vague-notes && git checkout -q main");
      const vague = await ctx.pullRequest("vague-notes", "alice");
      const vagueComment = ctx.comments(vague.number).find((c) => c.body.startsWith("<!-- offline-diff:staging -->"))?.body ?? "";
      ctx.check(
        "a pull request that makes note_add's description misleading fails its evals against main's build, and its comment names the regressed case",
        vague.run.jobs.find((j) => j.id === "evals")?.status === "failure" && /\*\*Regression:\*\* .*note-add-finding/.test(vagueComment),
        vagueComment.slice(-1500),
      );
    },
  },
  {
    title: "promotion to prod",
    async run(ctx) {
      const { world } = ctx;
      const [first, second] = ctx.releases as [string, string];
      const traffic = world.internet.log.length;
      const run = await ctx.dispatch("promote.yml", { api: "", release: "", allow_breaking: "" });
      runOk(ctx, run, "the promote workflow");
      const prod = stackOnMain(ctx, "prod");
      const stagingFly = stackOnMain(ctx, "staging").fly;
      ctx.check("prod's idle slot (green) takes what staging serves live, blue stays on the first release", prod.green === second && prod.blue === first && ctx.mainLog(3)[0] === "Promote staging to prod [skip ci]", JSON.stringify(prod));
      // Fly has one release per app, not per color (issue 23): a rollback at the edge left staging's Fly on the newer one.
      ctx.check("prod's Fly app takes staging's Fly release", prod.fly === stagingFly, `${prod.fly} vs ${stagingFly}`);
      ctx.check("the apply ran behind the production environment, after its reviewer approved", run.jobs.find((j) => j.id === "apply")?.status === "success");
      const staging = world.fly.registry.lookup(APP, stagingFly);
      const copied = world.fly.registry.lookup("mcp-hosting-prod", stagingFly);
      ctx.check("Fly: prod's image is staging's, copied by digest, not rebuilt", staging !== undefined && copied?.digest === staging.digest && world.fly.requests.some((r) => r.path === "/v2/mcp-hosting-prod/blobs/uploads/" && r.query["from"] === APP && r.status === 201));
      const machines = world.fly.model.machinesOf("mcp-hosting-prod");
      ctx.check("Fly: a started machine in each of prod's four regions, the primary created first", machines.length === 4 && machines.every((m) => m.state === "started") && world.fly.requests.find((r) => r.method === "POST" && r.path === "/apps/mcp-hosting-prod/machines")?.body?.["region"] === "iad");
      ctx.check("Cloudflare: prod v1 live on blue (the first release), green holds the promoted one", describeShares(shares(ctx, "mcp-prod-v1")) === `blue ${first} 100%` && [...world.cloudflare.versions.values()].some((v) => v.script === "mcp-prod-v1" && v.bindings.some((b) => b.name === "RELEASE" && b.text === second)));
      const worker = [...world.cloudflare.workers.values()].find((w) => w.name === "mcp-prod-v1");
      ctx.check("Cloudflare: after the migration upload, prod still exports traces to its destination (the upload carried the Worker's observability)", isDeepStrictEqual(worker?.observability, { enabled: true, traces: { enabled: true, destinations: ["honeycomb-traces"] } }), JSON.stringify(worker?.observability));
      ctx.check("Modal: prod's four apps in environment main", ["v1", "v2"].every((api) => ["blue", "green"].every((color) => world.modal.state().apps[`main/mcp-prod-${api}-${color}`]?.state === "deployed")));
      // The registry entry: published by the registry's publisher with the run's GitHub OIDC token, after verify passed at prod's URLs.
      const entries = world.mcpRegistry.versions(REGISTRY_NAME);
      ctx.check(
        "MCP registry: prod's entry, at v1's live release (the first), with a remote per API version at prod's URLs, published by this repository's run",
        entries.length === 1 && entries[0]!.server.version === first && entries[0]!.isLatest && isDeepStrictEqual(entries[0]!.server["remotes"], ["v1", "v2"].map((api) => ({ type: "streamable-http", url: `https://mcp.example.com/${api}/mcp` }))) && entries[0]!.publishedBy === "repo:acme/mcp-hosting:ref:refs/heads/main",
        JSON.stringify(entries),
      );
      const log = world.internet.log.slice(traffic);
      const published = log.findIndex((r) => r.method === "POST" && r.url === "https://registry.modelcontextprotocol.io/v0/publish");
      const checked = ["v1", "v2"].map((api) => log.findLastIndex((r, i) => i < published && r.url === `https://mcp.example.com/${api}/mcp` && r.status === 200));
      ctx.check("the entry was published after verify's sessions at both of prod's URLs, and not before", published > 0 && checked.every((at) => at >= 0) && !log.slice(0, Math.min(...checked)).some((r) => r.url.startsWith("https://registry.modelcontextprotocol.io/")), JSON.stringify(log.filter((r) => /registry\.modelcontextprotocol|mcp\.example\.com\/v\d\/mcp$/.test(r.url)).slice(0, 12)));
      ctx.check("the publisher came from the release download, checked against its sha256, and ran in a job without the deploy secrets", /mcp-publisher_linux_amd64\.tar\.gz: OK/.test(ctx.stepOutput(run, /^Install the registry's publisher/)) && run.jobs.find((j) => j.id === "registry")?.status === "success");
      // Promote again with nothing new: the registry keeps a published version as it is, and the run says so.
      const again = await ctx.dispatch("promote.yml", { api: "", release: "", allow_breaking: "" });
      runOk(ctx, again, "a second promote run with nothing new");
      ctx.check("the registry refused the same version again, the run passed and said why, and the entry is unchanged", /cannot publish duplicate version/.test(ctx.stepOutput(again, /^Publish the entry/)) && /is in the registry already/.test(ctx.stepOutput(again, /^Publish the entry/)) && world.mcpRegistry.versions(REGISTRY_NAME).length === 1, ctx.stepOutput(again, /^Publish the entry/));
    },
  },
  {
    title: "a migration release: deployed at 100%, canary refused",
    async run(ctx) {
      const { world } = ctx;
      const third = ctx.releases[2]!;
      await ctx.must("git pull -q --rebase origin main");
      ctx.edit("app/src/runtimes/worker/platform.json", (text) =>
        text
          .replace('{ "binding": "PRINCIPAL_STATE", "className": "PrincipalState" }', '{ "binding": "PRINCIPAL_STATE", "className": "PrincipalState" },\n    { "binding": "AUDIT_LOG", "className": "AuditLog" }')
          .replace('"migrations": [{ "tag": "v1", "newSqliteClasses": ["McpSession", "PrincipalState"] }]', '"migrations": [{ "tag": "v1", "newSqliteClasses": ["McpSession", "PrincipalState"] }, { "tag": "v2", "newSqliteClasses": ["AuditLog"] }]'),
      );
      writeFileSync(`${world.laptop}/app/src/runtimes/worker/audit-log.ts`, 'import { DurableObject } from "cloudflare:workers";\n\n/** Who changed what, kept per principal. */\nexport class AuditLog extends DurableObject {}\n');
      ctx.edit("app/src/runtimes/worker/index.ts", (text) => `${text}export { AuditLog } from "./audit-log.ts";\n`);
      const before = deploymentCount(ctx, SCRIPT);
      const run = await ctx.commitAndPush("An audit log: a new Durable Object class (migration v2)");
      runOk(ctx, run, "the deploy workflow of the migration release");
      const fourth = ctx.releaseOf(run!)!;
      ctx.releases.push(fourth);
      const onMain = stackOnMain(ctx, "staging");
      ctx.check("the migration release went into both slots", onMain.blue === fourth && onMain.green === fourth && /is a migration release/.test(ctx.stepOutput(run!, /^Pin it/)));
      const script = world.cloudflare.account.script(SCRIPT)!;
      ctx.check("Cloudflare: migration v2 applied (AuditLog) by a non-versioned upload at 100%, before the versions", script.appliedTag === "v2" && script.classes.has("AuditLog") && deploymentsSince(ctx, SCRIPT, before)[0] === "upload: blue 100%", deploymentsSince(ctx, SCRIPT, before).join("\n"));
      ctx.check("then the live color runs it at 100%, watched, never split", describeShares(shares(ctx, SCRIPT)) === `blue ${fourth} 100%` && /a migration release, live at 100% since the apply/.test(ctx.stepOutput(run!, /^Check the idle color/)), describeShares(shares(ctx, SCRIPT)));
      // A person tries to canary it against the release before it.
      await ctx.must("git pull -q --rebase origin main");
      ctx.edit("Pulumi.staging.yaml", (text) => text.replace(new RegExp(`(blue:\\s*\\n\\s*release: )${fourth}`), `$1${third}`));
      const canary = await ctx.laptop("npm run cutover -- --stack staging --api v1 --to green --canary 10");
      ctx.check("a canary across the migration is refused by cutover (exit 3), naming Cloudflare's rule", canary.code === 3 && /10211|non-versioned/.test(canary.stderr), canary.stderr);
      const preview = await ctx.laptop("pulumi preview --stack staging");
      ctx.check("and by the program, before any resource is registered", preview.code !== 0 && /Durable Object/.test(preview.stdout + preview.stderr), preview.stdout.slice(-1500) + preview.stderr);
      await ctx.must("git checkout -q -- Pulumi.staging.yaml");
    },
  },
  {
    title: "a rollback across it: refused",
    async run(ctx) {
      const { world } = ctx;
      const rollback = await ctx.laptop("npm run rollback -- --stack staging --api v1");
      ctx.check("rollback is refused with exit 3: going back would cross migration v2", rollback.code === 3 && /cannot roll back from .* across Durable Object migration v2: v2 adds class AuditLog/.test(rollback.stderr), rollback.stderr);
      // Cloudflare itself: a deployment of a version from before the migration.
      const old = [...world.cloudflare.versions.values()].find((v) => v.script === SCRIPT && v.bindings.some((b) => b.name === "RELEASE" && b.text === ctx.releases[2]));
      const answer = await fetch(`${world.cloudflare.url}/accounts/9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31/workers/scripts/${SCRIPT}/deployments`, {
        method: "POST",
        headers: { authorization: `Bearer ${CREDENTIALS.cloudflare.write}`, "content-type": "application/json" },
        body: JSON.stringify({ strategy: "percentage", versions: [{ version_id: old?.id, percentage: 100 }] }),
      });
      const body = (await answer.json()) as { errors?: { code: number; message: string }[] };
      ctx.check("Cloudflare refuses a deployment of a version from before the migration", answer.status === 400 && body.errors?.[0]?.code === 100140, JSON.stringify(body));
    },
  },
  {
    title: "a release whose compat is breaking: refused at pin, promote and cutover",
    async run(ctx) {
      const { world } = ctx;
      const first = ctx.releases[0]!;
      ctx.edit("app/src/tools/index.ts", (text) => text.replace("[echo, noteAdd, noteList, kbPut, kbSearch, csvProfile, csvCluster]", "[echo, noteAdd, kbPut, kbSearch, csvProfile, csvCluster]"));
      const versions = world.cloudflare.versions.size;
      const refused = await ctx.commitAndPush("Drop note_list");
      ctx.check("the deploy run stops at pin: the release breaks what v1 serves live (note_list removed)", refused?.status === "failure" && refused.steps.find((s) => /^Pin it/.test(s.name))?.status === "failure" && /note_list/.test(ctx.stepOutput(refused, /^Pin it/)), ctx.stepOutput(refused!, /^Pin it/).slice(-1500));
      ctx.check("nothing reached the cloud and nothing was pinned", world.cloudflare.versions.size === versions && !ctx.mainLog(3)[0]!.startsWith("Pin "));
      const fifth = /pin (r-[0-9a-f]{12}) refused/.exec(ctx.stepOutput(refused!, /^Pin it/))?.[1];
      ctx.require("the refused release was built and published before pin refused it", fifth !== undefined);
      ctx.releases.push(fifth!);
      // A person pins it by hand, spelled out, and tries to send traffic to it without saying so.
      await ctx.must("git pull -q --rebase origin main");
      await ctx.must(`npm run pin -- --stack staging --api v1 --release ${fifth} --allow-breaking`);
      const idle = stackOnMain(ctx, "staging").live === "blue" ? "green" : "blue";
      const cutover = await ctx.laptop(`npm run cutover -- --stack staging --api v1 --to ${idle}`);
      ctx.check("cutover refuses to send traffic to it (exit 4)", cutover.code === 4 && /pinned clients would fail/.test(cutover.stderr), cutover.stderr);
      // Shipped anyway, as a person may: the cutover with --allow-breaking, applied from the laptop.
      await ctx.must(`npm run cutover -- --stack staging --api v1 --to ${idle} --allow-breaking && pulumi up --yes --stack staging`);
      await ctx.commitAndPush(`Ship ${fifth} to staging with --allow-breaking [skip ci]`);
      ctx.check("staging serves it, as the person chose", describeShares(shares(ctx, SCRIPT)) === `${idle} ${fifth} 100%`, describeShares(shares(ctx, SCRIPT)));
      const promote = await ctx.dispatch("promote.yml", { api: "", release: "", allow_breaking: "" });
      ctx.check("promote refuses it: prod serves the first release, which has note_list", promote.status === "failure" && /pinned clients would fail/.test(ctx.stepOutput(promote, /^Promote staging/)) && promote.jobs.find((j) => j.id === "apply")?.status === "skipped", ctx.stepOutput(promote, /^Promote staging/).slice(-1500));
      ctx.check("prod's stack file is untouched", stackOnMain(ctx, "prod").blue === first);
    },
  },
];
