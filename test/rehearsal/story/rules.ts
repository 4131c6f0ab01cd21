/**
 * The platforms' rules the rehearsal's fakes enforce, with where each is
 * documented or seen: what `npm run rehearse -- --json` reports, and what a
 * change to a fake must keep true.
 */

export interface PlatformRule {
  platform: "Fly" | "Cloudflare" | "Modal" | "S3" | "Git" | "GitHub" | "Pulumi" | "MCP registry";
  rule: string;
  source: string;
  /** The file that enforces it. */
  where: string;
}

export const RULES: readonly PlatformRule[] = [
  { platform: "Fly", rule: "a registry push needs the app: before it exists, `name unknown: app repository not found`", source: "fly.io docs, blueprints/using-the-fly-docker-registry (create the app first); the text from lyz7805/v2ray4flyio#18", where: "test/fixtures/fake-fly-api/registry.ts" },
  { platform: "Fly", rule: "flyctl's build looks the app up first, and an app with no machines needs a fly.toml", source: "superfly/flyctl internal/command/deploy/deploy.go (DeployWithConfig); internal/appconfig/from_machine_set.go", where: "test/stand-ins/flyctl.ts" },
  { platform: "Fly", rule: "a machine needs its image in the registry: 400 `failed to get manifest … MANIFEST_UNKNOWN`", source: "error bodies recorded by third-party Machines API clients; fly-go flaps/flaps_error.go reads the `error` text", where: "test/fixtures/fake-fly-api/model.ts (requireImage)" },
  { platform: "Fly", rule: "a volume belongs to one region: `Mounts source volume … is in the wrong region`", source: "docs machines/api/volumes-resource; superfly/flyctl PR #2202 (the text)", where: "test/fixtures/fake-fly-api/routes-machines.ts (checkMounts)" },
  { platform: "Fly", rule: "a machine with a volume is never blue-green: a volume is attached to one machine at a time", source: "docs reference/configuration (\"The bluegreen strategy cannot be used for Machines with attached volumes\")", where: "test/fixtures/fake-fly-api/routes-machines.ts (checkMounts)" },
  { platform: "Fly", rule: "an app name is taken across all of Fly.io: 422 `Validation failed: Name has already been taken`", source: "fly-go flaps/flaps_error_test.go (IsNameTakenError); docs machines/api/working-with-machines-api", where: "test/fixtures/fake-fly-api/routes-apps.ts" },
  { platform: "Fly", rule: "a new app and a new machine show only after a moment (404, 401)", source: "fly-go flaps/flaps_apps.go (WaitForApp); flyctl leasable_machine.go (WithJustCreated)", where: "test/fixtures/fake-fly-api/propagation.ts" },
  { platform: "Fly", rule: "the registry authenticates user `x` with the API token; access is per organization", source: "flyctl internal/command/auth/docker.go; blueprints/using-the-fly-docker-registry", where: "test/fixtures/fake-fly-api/registry.ts" },
  { platform: "Cloudflare", rule: "10211: a Worker version may not carry a Durable Object migration", source: "developers.cloudflare.com/workers/versions-and-deployments/gradual-deployments/with-durable-objects/; cloudflare-docs #32982", where: "infra/plan/fake-cloudflare.ts (uploadVersion)" },
  { platform: "Cloudflare", rule: "10061: a binding needs a class an applied migration created", source: "cloudflare/workers-sdk #10034, #10246", where: "infra/plan/fake-cloudflare.ts (checkBindings)" },
  { platform: "Cloudflare", rule: "10064: an upload must still export every class existing objects depend on", source: "iterate/iterate PR #1796, kentcdodds/kody PR #1559", where: "infra/plan/fake-cloudflare.ts (checkBindings)" },
  { platform: "Cloudflare", rule: "10079: a migration's old_tag must be the script's current tag", source: "cloudflare/workers-sdk #705, #6953", where: "infra/plan/fake-cloudflare.ts (uploadScript)" },
  { platform: "Cloudflare", rule: "a non-versioned upload takes 100% at once, and the deployment resource is not told", source: "workers/versions-and-deployments/deployment-management (\"immediately deployed to 100% of traffic\"); terraform-provider-cloudflare internal/services/workers_deployment/resource.go (Read fetches the id in state)", where: "infra/plan/fake-cloudflare.ts (uploadScript)" },
  { platform: "Cloudflare", rule: "no deployment (rollback) to a version from before the last migration", source: "workers/versions-and-deployments/rollbacks/ (Limits › Bindings); workers-sdk #2756 (code 100140)", where: "infra/plan/fake-cloudflare.ts (deploy)" },
  { platform: "Cloudflare", rule: "a deployment's percentages add up to 100", source: "workers/configuration/versions-and-deployments/gradual-deployments/", where: "infra/plan/fake-cloudflare.ts (deploy)" },
  { platform: "Cloudflare", rule: "a version override applies only to a version in the current deployment; otherwise the percentages decide", source: "workers/configuration/versions-and-deployments/gradual-deployments/ (Version overrides)", where: "test/rehearsal/accounts/cloudflare-edge.ts" },
  { platform: "Cloudflare", rule: "a script upload replaces the script's observability settings with what it carries", source: "workers-sdk packages/deploy-helpers validate-worker-props.ts (\"Uploading the Worker will override the remote configuration\")", where: "test/fixtures/fake-cloudflare-api.ts" },
  { platform: "Cloudflare", rule: "a read-only token may read but not write (403, code 10000)", source: "developers.cloudflare.com/fundamentals/api (token permissions: Workers Scripts Read / Edit)", where: "test/fixtures/fake-cloudflare-api.ts" },
  { platform: "Modal", rule: "deploy needs MODAL_TOKEN_ID and MODAL_TOKEN_SECRET of the workspace", source: "modal-client py/modal/exception.py AuthError (\"Token missing…\")", where: "test/stand-ins/modal.ts" },
  { platform: "Modal", rule: "`app stop` of an app that is gone: the `No App with name … found` panel and exit 1; a stopped one: `App is already stopped.`", source: "modal-client py/modal/cli/app.py (stop, resolve_app_identifier)", where: "test/stand-ins/modal.ts" },
  { platform: "Modal", rule: "a web endpoint's URL is `https://<workspace>[-<suffix>]--<label>.modal.run`", source: "modal.com/docs/guide/webhook-urls; py/modal/_utils/name_utils.py", where: "test/stand-ins/modal.ts (modalWebUrl)" },
  { platform: "S3", rule: "the artifact store and the backup bucket are real buckets of an S3 API (s3rver); access control is not modelled", source: "s3rver 3.7", where: "test/rehearsal/world.ts" },
  { platform: "Git", rule: "a push onto a main that moved is refused as non-fast-forward", source: "git (a bare remote)", where: "test/rehearsal/world.ts" },
  { platform: "GitHub", rule: "environment secrets only in a job that names the environment, after its required reviewers approve, on a branch its policy admits", source: "docs.github.com, deployments and environments", where: "test/rehearsal/workflow/player.ts" },
  { platform: "GitHub", rule: "forks and Dependabot get no Actions secrets; a fork's GITHUB_TOKEN is read-only", source: "docs.github.com, using secrets; automating Dependabot with GitHub Actions", where: "test/rehearsal/workflow/player.ts" },
  { platform: "GitHub", rule: "a job gets an OIDC token only when its permissions grant id-token: write (a job's permissions replace the workflow's)", source: "docs.github.com, OpenID Connect in GitHub Actions (Adding permissions settings); workflow syntax, jobs.<job_id>.permissions", where: "test/rehearsal/workflow/player.ts" },
  { platform: "MCP registry", rule: "the GitHub OIDC login needs a GitHub token for audience mcp-registry and grants publishing io.github.<repository_owner>/* only (403 elsewhere)", source: "modelcontextprotocol/registry internal/api/handlers/v0/auth/github_oidc.go (buildPermissions), cmd/publisher/auth/github-oidc.go, internal/api/handlers/v0/publish.go", where: "test/fixtures/fake-mcp-registry.ts" },
  { platform: "MCP registry", rule: "a version is published once: publishing it again is 400 `invalid version: cannot publish duplicate version`", source: "modelcontextprotocol/registry internal/service/registry_service.go (CheckVersionExists), internal/database/database.go (ErrInvalidVersion)", where: "test/fixtures/fake-mcp-registry.ts" },
  { platform: "MCP registry", rule: "only the current server.json `$schema` is accepted for a new publication, by the publisher and by the API", source: "ggozad/haiku.rag#116 and modelcontextprotocol/registry#875 (the publisher's `deprecated schema detected`), dynatrace-oss/dynatrace-mcp#228 (the API's 400), registry PR #488", where: "test/stand-ins/mcp-publisher.ts, test/fixtures/fake-mcp-registry.ts" },
  { platform: "MCP registry", rule: "publish needs a login first; the publisher keeps the registry token in ~/.mcp_publisher_token", source: "modelcontextprotocol/registry cmd/publisher/commands/login.go, publish.go", where: "test/stand-ins/mcp-publisher.ts" },
  { platform: "GitHub", rule: "a push whose head commit says [skip ci] starts no workflow", source: "docs.github.com, skipping workflow runs", where: "test/rehearsal/story/context.ts" },
  { platform: "Pulumi", rule: "a token with Stack Read may preview and read outputs; an update needs write", source: "pulumi.com/docs/administration/access-identity/rbac/permission-sets/", where: "test/stand-ins/pulumi/backend.ts" },
  { platform: "Pulumi", rule: "a `secure:` value the stack's secrets provider did not encrypt (a placeholder) cannot be decrypted", source: "pulumi config set --secret", where: "test/stand-ins/pulumi/backend.ts" },
];
