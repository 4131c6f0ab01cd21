import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { modalSourceDir } from "../../test/fixtures/releases.ts";
import { clearStrings, isSecretValue, named, reveal } from "../../test/fixtures/registrations.ts";
import { evaluateOffline, recordRegistrations } from "../plan/evaluate.ts";
import { richErrorPanel, runWithFakeModal } from "../../test/fixtures/fake-modal.ts";
import { renderTable } from "../plan/render.ts";
import { ModalApp, type ModalAppArgs } from "./modal-app.ts";

function args(sourceDir: string, overrides: Partial<ModalAppArgs> = {}): ModalAppArgs {
  return {
    appName: "mcp-test-v1-blue",
    environment: "test",
    workspace: "acme",
    webSuffix: "test",
    release: "r-3f9a1c7e2b4d",
    sourceDir,
    minContainers: 1,
    scaledownWindow: 600,
    tokenId: pulumi.secret("ak-token-id"),
    tokenSecret: pulumi.secret("as-token-secret"),
    deployEnvironment: { MCP_UPSTREAM_SECRET: pulumi.secret("hmac-key") },
    ...overrides,
  };
}

async function deployOf(a: ModalAppArgs) {
  const { registrations } = await evaluateOffline("test", () => ({ url: new ModalApp("modal-v1-blue", a).url }));
  return named(registrations, "modal-v1-blue-deploy").inputs;
}

test("a change to a Modal source re-runs modal deploy in place, without replacing the app", async () => {
  const dir = modalSourceDir();
  const before = await deployOf(args(dir));
  appendFileSync(`${dir}/compute.py`, "\ndef mul(a, b):\n    return a * b\n");
  const after = await deployOf(args(dir));
  const hash = (inputs: Record<string, unknown>) => (reveal(inputs.environment) as Record<string, string>).MCP_MODAL_SOURCE_SHA256;
  assert.match(String(hash(before)), /^[0-9a-f]{64}$/);
  assert.notEqual(hash(after), hash(before));
  assert.deepEqual(after.triggers, before.triggers);
});

test("renaming the app replaces it (deploy the new name, then stop the old)", async () => {
  const dir = modalSourceDir();
  const blue = await deployOf(args(dir));
  const renamed = await deployOf(args(dir, { appName: "mcp-test-v1-green" }));
  assert.notDeepEqual(renamed.triggers, blue.triggers);
});

test("tokens reach the Modal CLI as secret environment, never on its command line", async () => {
  const inputs = await deployOf(args(modalSourceDir()));
  const environment = inputs.environment as Record<string, unknown>;
  for (const key of ["MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "MCP_UPSTREAM_SECRET"]) assert.ok(isSecretValue(environment[key]), `${key} is secret`);
  const inTheClear = clearStrings(inputs).join("\n");
  for (const secret of ["ak-token-id", "as-token-secret", "hmac-key"]) assert.ok(!inTheClear.includes(secret), `${secret} appears in the clear`);
  assert.match(String(inputs.create), /^modal deploy '.+\/modal_app\.py' --name 'mcp-test-v1-blue' --env 'test' --tag 'r-3f9a1c7e2b4d' && python3 -c /);
});

test("the deploy carries the scaling settings and asks for unwrapped, uncolored output", async () => {
  const environment = reveal((await deployOf(args(modalSourceDir()))).environment) as Record<string, string>;
  assert.equal(environment.MODAL_MIN_CONTAINERS, "1");
  assert.equal(environment.MODAL_SCALEDOWN_WINDOW, "600");
  assert.equal(environment.NO_COLOR, "1");
  assert.ok(Number(environment.COLUMNS) >= 200);
});

test("delete stops the same app in the same environment without a prompt", async () => {
  const inputs = await deployOf(args(modalSourceDir()));
  assert.match(String(inputs.delete), /modal app stop 'mcp-test-v1-blue' --env 'test' --yes/);
});

test("an app without Modal sources is refused before anything registers", async () => {
  const registrations = await recordRegistrations("test");
  assert.throws(() => new ModalApp("modal-v1-blue", args("/nonexistent/modal")), /no Modal sources \(\*\.py\) in \/nonexistent\/modal/);
  await pulumi.runtime.disconnect();
  assert.equal(registrations.length, 0);
});

/** A resource that binds the URL, as a Worker version does. */
class Consumer extends pulumi.CustomResource {
  constructor(name: string, modalUrl: pulumi.Input<string>) {
    super("test:index:Consumer", name, { modalUrl });
  }
}

test("the URL is known at preview, so a resource binding it sees it before any deploy ran", async () => {
  const program = () => new Consumer("consumer", new ModalApp("modal-v1-blue", args(modalSourceDir())).url);
  const { registrations } = await evaluateOffline("test", program, {}, { preview: true });
  assert.equal(named(registrations, "consumer").inputs.modalUrl, "https://acme-test--mcp-test-v1-blue.modal.run");
});

test("an app name that cannot be a web label is refused before anything registers", async () => {
  const registrations = await recordRegistrations("test");
  assert.throws(() => new ModalApp("modal-v1-blue", args(modalSourceDir(), { appName: "MCP_test" })), /Modal app MCP_test: "MCP_test" is not a Modal web label/);
  await pulumi.runtime.disconnect();
  assert.equal(registrations.length, 0);
});

/** The generated commands and their environment, secrets revealed, as the provider would run them. */
async function commandsOf() {
  const inputs = await deployOf(args(modalSourceDir()));
  return { create: String(inputs.create), delete: String(inputs.delete), environment: reveal(inputs.environment) as Record<string, string> };
}

const COMPUTED = "https://acme-test--mcp-test-v1-blue.modal.run";

test("a deploy that Modal serves at the computed URL succeeds, after asking Modal about that app's web function", async () => {
  const { create, environment } = await commandsOf();
  const run = runWithFakeModal(create, environment, { webUrl: COMPUTED });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.calls[0] ?? "", /^modal deploy \S+\/modal_app\.py --name mcp-test-v1-blue --env test --tag r-3f9a1c7e2b4d$/);
  assert.deepEqual(run.calls.slice(1), ["Function.from_name mcp-test-v1-blue web test"]);
});

test("a deploy that Modal serves elsewhere, or not on the web, fails naming both URLs and the settings to check", async () => {
  const { create, environment } = await commandsOf();
  const elsewhere = runWithFakeModal(create, environment, { webUrl: "https://acme--mcp-test-v1-blue.modal.run" });
  assert.equal(elsewhere.status, 1);
  assert.match(elsewhere.stderr, /modal deploy of mcp-test-v1-blue: Modal serves web at https:\/\/acme--mcp-test-v1-blue\.modal\.run, but the stack computed https:\/\/acme-test--mcp-test-v1-blue\.modal\.run from modal\.workspace and modal\.webSuffix/);
  const nowhere = runWithFakeModal(create, environment, {});
  assert.equal(nowhere.status, 1);
  assert.match(nowhere.stderr, /Modal serves web at None, but the stack computed/);
});

test("a failed modal deploy fails the create before any check", async () => {
  const { create, environment } = await commandsOf();
  const run = runWithFakeModal(create, environment, { stderr: richErrorPanel("Deployment failed"), exitCode: 1, webUrl: COMPUTED });
  assert.equal(run.status, 1);
  assert.equal(run.calls.length, 1, run.calls.join("\n"));
});

// Texts and exit codes of `modal app stop` (sources in appGoneMessages, modal-app.ts).
const gone = {
  "modal >= 1.4.2, no such app": richErrorPanel("No App with name 'mcp-test-v1-blue' found in the 'test' environment."),
  "modal <= 1.4.1, no such app": richErrorPanel("Could not find a deployed app named 'mcp-test-v1-blue' in the 'test' environment."),
  "a recently stopped app (SystemExit, no panel)": "App is already stopped. (Stopped at 2026-08-20 14:02 UTC by 'ci-bot').",
};

for (const [when, stderr] of Object.entries(gone)) {
  test(`delete succeeds when the app is already gone: ${when}`, async () => {
    const { delete: stop, environment } = await commandsOf();
    const run = runWithFakeModal(stop, environment, { stderr, exitCode: 1 });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls, ["modal app stop mcp-test-v1-blue --env test --yes"]);
    assert.ok(run.stdout.includes(stderr));
  });
}

const failures = {
  "no token": { stderr: richErrorPanel("Token missing. Could not authenticate client. If you have token credentials, see modal.com/docs/sdk/py/latest/config for setup help. If you are a new user, register an account at modal.com, then run `modal token new`."), exitCode: 1 },
  "another app is missing, not this one": { stderr: richErrorPanel("No App with name 'mcp-test-v1-green' found in the 'test' environment."), exitCode: 1 },
  "a client older than 1.4.2 (click's usage error)": { stderr: "Usage: modal app stop [OPTIONS] APP_IDENTIFIER\nTry 'modal app stop --help' for help.\n\nError: No such option: --yes", exitCode: 2 },
};

for (const [when, failure] of Object.entries(failures)) {
  test(`delete fails, passing on what Modal said, when: ${when}`, async () => {
    const { delete: stop, environment } = await commandsOf();
    const run = runWithFakeModal(stop, environment, failure);
    assert.equal(run.status, 1);
    assert.ok(run.stderr.includes(failure.stderr), run.stderr);
  });
}

test("each tool's own Function reaches modal deploy with its stack settings, and the plan shows it in a line", async () => {
  const toolFunctions = { csv_cluster: { gpu: "L4" as const, minContainers: 1, maxContainers: 4, scaledownWindow: 600 } };
  const { registrations } = await evaluateOffline("test", () => ({ url: new ModalApp("modal-v1-blue", args(modalSourceDir(), { toolFunctions })).url }));
  const environment = reveal(named(registrations, "modal-v1-blue-deploy").inputs.environment) as Record<string, string>;
  // app/modal/function_specs.py reads it; its own tests check the other half
  assert.deepEqual(JSON.parse(environment.MCP_MODAL_TOOL_OVERRIDES!), toolFunctions);
  assert.match(renderTable(registrations, 400), /modal function tool_csv_cluster: GPU L4, 1 warm, at most 4, scaledown 600 s/);
  const cpuOnly = await evaluateOffline("test", () => ({ url: new ModalApp("modal-v1-blue", args(modalSourceDir(), { toolFunctions: { csv_cluster: { gpu: "none", minContainers: 0, scaledownWindow: 120 } } })).url }));
  assert.match(renderTable(cpuOnly.registrations, 400), /modal function tool_csv_cluster: no GPU, 0 warm, scaledown 120 s/);
});
