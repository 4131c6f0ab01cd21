/**
 * The ScriptMigrations provider against a local fake of the two Cloudflare
 * calls it makes (test/fixtures/fake-cloudflare-api.ts): it uploads only when a
 * migration is pending, with `old_tag` as the precondition, and says why when
 * it cannot.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, afterEach, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { startFakeCloudflareApi, type FakeCloudflareApi } from "../../../test/fixtures/fake-cloudflare-api.ts";
import { ScriptMigrations } from "./resources.ts";
import { createCloudflareContext, scriptMigrationsProvider, type ScriptMigrationInputs } from "./script-migrations.ts";

const V1 = { tag: "v1", newSqliteClasses: ["McpSession", "PrincipalState"] };
const V2 = { tag: "v2", newSqliteClasses: ["AuditLog"] };
const code = "export class McpSession {} export class PrincipalState {} export default {};";

let api: FakeCloudflareApi;
let env: Record<string, string | undefined>;
const provider = () => scriptMigrationsProvider(createCloudflareContext({ env, timing: { sleep: async () => {}, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 } } }));

function inputs(migrations = [V1], overrides: Partial<ScriptMigrationInputs> = {}): ScriptMigrationInputs {
  return {
    apiBaseUrl: api.url,
    accountId: "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31",
    scriptName: "mcp-staging-v1",
    migrations,
    upload: {
      release: "r-8c2e5a1f9d07",
      mainModule: "worker.js",
      contentBase64: Buffer.from(code).toString("base64"),
      compatibilityDate: "2026-11-01",
      compatibilityFlags: ["enable_request_signal"],
      // The live Worker binds every class its migrations created (the fake takes bindings for exports: 10061, 10064).
      bindings: [
        ...migrations.flatMap((m) => m.newSqliteClasses).map((className) => ({ type: "durable_object_namespace", name: className.toUpperCase(), class_name: className })),
        { type: "secret_text", name: "MCP_UPSTREAM_SECRET", text: "hmac-key" },
      ],
      observability: { enabled: true },
    },
    ...overrides,
  };
}

describe("ScriptMigrations against the Cloudflare API", () => {
  before(async () => {
    api = await startFakeCloudflareApi({ scripts: { "mcp-staging-v1": {} } });
  });
  afterEach(() => {
    api.scripts.set("mcp-staging-v1", { classes: new Set() });
    api.uploads.length = 0;
    api.requests.length = 0;
  });
  after(() => api.close());
  env = { get CLOUDFLARE_API_TOKEN() { return api.token; } } as Record<string, string | undefined>;

  it("a fresh script gets its migrations in one non-versioned upload, without old_tag, with the live Worker and its bindings", async () => {
    const { id, outs } = await provider().create(inputs());
    assert.equal(id, "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31/mcp-staging-v1");
    assert.equal(outs.appliedTag, "v1");
    assert.equal(outs.uploadedRelease, "r-8c2e5a1f9d07");
    const [upload, ...more] = api.uploads;
    assert.equal(more.length, 0);
    assert.deepEqual(upload!.metadata.migrations, { new_tag: "v1", steps: [{ new_sqlite_classes: ["McpSession", "PrincipalState"] }] });
    assert.equal(upload!.metadata.main_module, "worker.js");
    assert.deepEqual(upload!.metadata.bindings, inputs().upload.bindings);
    assert.deepEqual(upload!.metadata.observability, { enabled: true });
    assert.equal(upload!.modules["worker.js"], code);
    assert.deepEqual([...api.scripts.get("mcp-staging-v1")!.classes].sort(), ["McpSession", "PrincipalState"]);
    assert.ok(api.requests.every((r) => r.authorization === `Bearer ${api.token}`), "the token comes from the environment at call time");
  });

  it("a script that already has the release's last tag is adopted without an upload", async () => {
    api.scripts.set("mcp-staging-v1", { migrationTag: "v1", classes: new Set(["McpSession", "PrincipalState"]) });
    const { outs } = await provider().create(inputs());
    assert.equal(outs.appliedTag, "v1");
    assert.equal(outs.uploadedRelease, undefined);
    assert.equal(api.uploads.length, 0);
  });

  it("a release that adds a class sends only the new step, with the applied tag as old_tag", async () => {
    const first = await provider().create(inputs());
    const { outs } = await provider().update!(first.id, first.outs, inputs([V1, V2], { upload: { ...inputs([V1, V2]).upload, release: "r-0123456789ab" } }));
    assert.equal(outs.appliedTag, "v2");
    assert.deepEqual(api.uploads[1]!.metadata.migrations, { old_tag: "v1", new_tag: "v2", steps: [{ new_sqlite_classes: ["AuditLog"] }] });
    assert.equal(outs.uploadedRelease, "r-0123456789ab");
  });

  it("only a pending migration is a change: new code or bindings alone go out as Worker versions", async () => {
    const { outs } = await provider().create(inputs());
    const newCode = inputs([V1], { upload: { ...inputs().upload, release: "r-0123456789ab", contentBase64: "ZXhwb3J0IHt9" } });
    assert.deepEqual(await provider().diff("id", outs, newCode), { changes: false });
    assert.equal((await provider().diff("id", outs, inputs([V1, V2]))).changes, true);
    assert.deepEqual((await provider().diff("id", outs, inputs([V1], { scriptName: "mcp-staging-v2" }))).replaces, ["scriptName"]);
  });

  it("a tag the release does not declare, or a rewritten applied migration, is refused with the reason", async () => {
    api.scripts.set("mcp-staging-v1", { migrationTag: "v7", classes: new Set() });
    await assert.rejects(provider().create(inputs([V1, V2])), /Worker mcp-staging-v1: the script has Durable Object migration tag "v7" applied, which the pinned release does not declare \(it declares v1, v2\)\. Cloudflare cannot undo a migration/);

    api.scripts.set("mcp-staging-v1", { classes: new Set() });
    const first = await provider().create(inputs());
    const rewritten = [{ tag: "v1", newSqliteClasses: ["McpSession"] }, V2];
    await assert.rejects(provider().update!(first.id, first.outs, inputs(rewritten)), /the release changes migration v1 that Cloudflare has already applied; an applied migration cannot be changed \(expected a new tag after v1\)/);
    assert.equal(api.uploads.length, 1, "nothing uploaded");
  });

  it("another deploy that moves the tag between our read and our upload makes Cloudflare refuse the precondition", async () => {
    const first = await provider().create(inputs());
    api.raceNextRead("v2-elsewhere");
    await assert.rejects(
      provider().update!(first.id, first.outs, inputs([V1, V2])),
      /Cloudflare API PUT .*answered 412: Migration tag precondition failed; current tag is v2-elsewhere \[code: 10079\]/,
    );
  });

  it("an upload whose answer is lost is recognised by the tag it applied; a refused one is not retried", async () => {
    api.fail("PUT", 502, { afterApplying: true });
    const { outs } = await provider().create(inputs());
    assert.equal(outs.appliedTag, "v1");
    assert.equal(api.uploads.length, 1, "applied once, not sent again");

    api.scripts.set("mcp-staging-v1", { classes: new Set() });
    api.fail("PUT", 500);
    await assert.rejects(provider().create(inputs()), /Cloudflare API PUT \/accounts\/.*\/workers\/scripts\/mcp-staging-v1 answered 500/);
  });

  it("a 429 on the tag read is retried; a missing token is a clear error", async () => {
    api.fail("GET", 429);
    assert.equal((await provider().create(inputs())).outs.appliedTag, "v1");
    const noToken = scriptMigrationsProvider(createCloudflareContext({ env: {} }));
    await assert.rejects(noToken.create(inputs()), /no Cloudflare API token: .*cloudflare:apiToken secret, or CLOUDFLARE_API_TOKEN .*Workers Scripts: Edit/);
  });

  it("refresh reads the tag from Cloudflare", async () => {
    const first = await provider().create(inputs());
    api.scripts.set("mcp-staging-v1", { migrationTag: "v2", classes: new Set() });
    const read = await provider().read(first.id, first.outs);
    assert.equal(read.props?.appliedTag, "v2");
  });
});

/**
 * The provider text Pulumi stores in state for a ScriptMigrations, and the
 * provider loaded back from it exactly as @pulumi/pulumi/cmd/dynamic-provider
 * loads it (require-from-string, then `handler()`).
 */
async function storedProvider(fields: ScriptMigrationInputs): Promise<{ serialized: string; loaded: pulumi.dynamic.ResourceProvider }> {
  let serialized = "";
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const raw = args.inputs["__provider"] as unknown;
        serialized = String(typeof raw === "object" && raw !== null && "value" in raw ? (raw as { value: unknown }).value : raw);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "mcp-hosting",
    "test",
  );
  const resource = new ScriptMigrations("m", fields);
  await new Promise((resolve) => resource.urn.apply(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  const requireFromString = pulumiRequire("require-from-string") as (text: string) => { handler(): pulumi.dynamic.ResourceProvider };
  return { serialized, loaded: requireFromString(serialized).handler() };
}

const pulumiRequire = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi"));

describe("ScriptMigrations as Pulumi stores it", () => {
  it("survives closure serialization without capturing the token, and applies through the loaded provider", async () => {
    const fake = await startFakeCloudflareApi({ scripts: { "mcp-serialized": {} } });
    const secretToken = "cf-token-must-never-be-serialized";
    process.env["CLOUDFLARE_API_TOKEN"] = fake.token;
    try {
      const fields = { ...inputs(), apiBaseUrl: fake.url, scriptName: "mcp-serialized" };
      const { serialized, loaded } = await storedProvider(fields);
      assert.ok(serialized.includes("kinds.ts"));
      assert.ok(!serialized.includes(fake.token) && !serialized.includes(secretToken));
      const { outs } = await loaded.create(fields);
      assert.equal(outs.appliedTag, "v1");
      assert.equal(fake.uploads.length, 1);
    } finally {
      delete process.env["CLOUDFLARE_API_TOKEN"];
      await fake.close();
    }
  });

  it("takes the stack's cloudflare:apiToken as the dynamic provider host configures it, over CLOUDFLARE_API_TOKEN, as the Cloudflare provider does", async () => {
    const fake = await startFakeCloudflareApi({ scripts: { "mcp-configured": {} } });
    process.env["CLOUDFLARE_API_TOKEN"] = "a-stale-token-in-the-environment";
    try {
      const fields = { ...inputs(), apiBaseUrl: fake.url, scriptName: "mcp-configured" };
      const { serialized, loaded } = await storedProvider(fields);
      // The host configures a provider with the stack config (secrets decrypted) before its first call.
      const { Config } = pulumiRequire("./cmd/dynamic-provider/config") as { Config: new (raw: Record<string, string>, project: string) => pulumi.dynamic.Config };
      await loaded.configure!({ config: new Config({ "cloudflare:apiToken": fake.token, "mcp-hosting:domain": "mcp.example.com" }, "mcp-hosting") });
      const { outs } = await loaded.create(fields);
      assert.equal(outs.appliedTag, "v1");
      assert.ok(fake.requests.length > 0 && fake.requests.every((r) => r.authorization === `Bearer ${fake.token}`), "every request carried the token from config");
      assert.ok(!serialized.includes(fake.token) && !JSON.stringify(outs).includes(fake.token), "the token is neither in the stored provider nor an output");
    } finally {
      delete process.env["CLOUDFLARE_API_TOKEN"];
      await fake.close();
    }
  });
});
