import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFlyTestBed, type FlyTestBed } from "../../../test/fixtures/fly-test-bed.ts";
import { appProvider } from "./app.ts";
import { secretsProvider, type FlySecretsInputs } from "./secrets.ts";

describe("FlySecrets provider", () => {
  let bed: FlyTestBed;
  const secrets = () => secretsProvider(bed.ctx);
  const inputs = (values: Record<string, string>): FlySecretsInputs => ({ ...bed.target, appName: "secretive", values });
  const stored = () => Object.fromEntries(bed.api.model.apps.get("secretive")!.secrets);

  before(async () => {
    bed = await startFlyTestBed();
    await appProvider(bed.ctx).create({ ...bed.target, name: "secretive", org: "personal" });
    // Set by someone else: must survive everything this resource does.
    bed.api.model.setSecrets(bed.api.model.apps.get("secretive")!, { SET_BY_HAND: "keep me" });
  });
  after(() => bed.close());

  it("sets the secrets in one request and reports Fly's new secrets version", async () => {
    const { outs } = await secrets().create(inputs({ LITESTREAM_ACCESS_KEY_ID: "AKIA1", MCP_UPSTREAM_SECRET: "s1" }));
    assert.deepEqual(stored(), { SET_BY_HAND: "keep me", LITESTREAM_ACCESS_KEY_ID: "AKIA1", MCP_UPSTREAM_SECRET: "s1" });
    assert.equal(outs.version, bed.api.model.apps.get("secretive")!.secretsVersion);
    assert.deepEqual(outs.names, ["LITESTREAM_ACCESS_KEY_ID", "MCP_UPSTREAM_SECRET"]);
  });

  it("an update changes values, unsets the names it dropped, and leaves other secrets alone", async () => {
    const olds = (await secrets().create(inputs({ A_KEY: "1", B_KEY: "2" }))).outs;
    const { outs } = await secrets().update!("secretive/secrets", olds, inputs({ A_KEY: "1b" }));
    assert.equal(stored()["A_KEY"], "1b");
    assert.equal("B_KEY" in stored(), false);
    assert.equal(stored()["SET_BY_HAND"], "keep me");
    assert.ok(outs.version > olds.version, "a change gives a newer version, which rolls the machines");
    assert.deepEqual(bed.api.calls("POST", "/apps/secretive/secrets").at(-1)?.body, { values: { A_KEY: "1b", B_KEY: null } });
  });

  it("a refresh drops names someone unset, so the next update sets them again", async () => {
    const { id, outs } = await secrets().create(inputs({ GONE_SOON: "x", STAYS: "y" }));
    bed.api.model.setSecrets(bed.api.model.apps.get("secretive")!, { GONE_SOON: null });
    const read = await secrets().read(id, outs);
    assert.deepEqual(read.props?.names, ["STAYS"]);
    assert.deepEqual(await secrets().diff(id, read.props!, inputs({ GONE_SOON: "x", STAYS: "y" })), { changes: true });
  });

  it("delete unsets only its own names", async () => {
    const { id, outs } = await secrets().create(inputs({ MINE: "m" }));
    await secrets().delete(id, outs);
    assert.equal("MINE" in stored(), false);
    assert.equal(stored()["SET_BY_HAND"], "keep me");
  });

  it("diff: new values update in place, another app replaces", async () => {
    const olds = { ...inputs({ K: "v" }), names: ["K"], version: 3 };
    assert.deepEqual(await secrets().diff("x", olds, inputs({ K: "v" })), { changes: false });
    assert.deepEqual(await secrets().diff("x", olds, inputs({ K: "w" })), { changes: true });
    assert.deepEqual(await secrets().diff("x", olds, { ...inputs({ K: "v" }), appName: "other" }), {
      changes: true, replaces: ["appName"], deleteBeforeReplace: false,
    });
  });

  it("check: a bad name is refused; in the first preview of a stack, values not known yet (a key made in the same update) pass", async () => {
    const { failures } = await secrets().check(inputs({}), inputs({ "BAD-NAME": "x" }));
    assert.deepEqual(failures?.map((f) => f.reason), ['secret name "BAD-NAME" is not a valid environment variable name']);
    // The engine hands an unknown input to a dynamic provider as this sentinel, the whole map at once.
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    assert.deepEqual((await secrets().check(inputs({}), { ...inputs({}), values: unknown as unknown as Record<string, string> })).failures, []);
  });
});
