/**
 * The whole program for each committed stack, offline: what it creates, how
 * the pieces are wired, and that no secret is ever sent in the clear.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, parseStackFile } from "../stacks/load.ts";
import { testReleases } from "../test/fixtures/releases.ts";
import { bindingsOf, clearStrings, named, ofType, reveal, T } from "../test/fixtures/registrations.ts";
import { setStackConfig, validRawStack } from "../test/fixtures/stack-config.ts";
import { evaluateOffline, recordRegistrations } from "./plan/evaluate.ts";
import { buildStack } from "./stack.ts";

const root = join(import.meta.dirname, "..");
const releases = testReleases();

for (const stackName of ["staging", "prod"]) {
  const { stack, config } = parseStackFile(join(root, `Pulumi.${stackName}.yaml`));
  const versions = Object.keys(config.apiVersions);
  const regions = config.fly.regions;

  test(`${stackName}: one Worker per API version, a version per color, one deployment and route each, one custom domain`, async () => {
    const { registrations } = await evaluateOffline(stack, () => buildStack(config, { stack, releases }));
    assert.equal(ofType(registrations, T.worker).length, versions.length);
    assert.equal(ofType(registrations, T.version).length, 2 * versions.length);
    assert.equal(ofType(registrations, T.deployment).length, versions.length);
    assert.equal(ofType(registrations, T.route).length, versions.length);
    assert.equal(ofType(registrations, T.domain).length, 1);
    assert.equal(ofType(registrations, T.command).length, 2 * versions.length, "a Modal app per color per version");
    assert.equal(ofType(registrations, T.bucket).length, 1);
    assert.equal(ofType(registrations, T.accessKey).length, 1);
  });

  // Counted through the scratch FlyService stand-in; re-check against the real component.
  test(`${stackName}: a Fly volume and machine in each of its ${regions.length} region(s)`, async () => {
    const { registrations } = await evaluateOffline(stack, () => buildStack(config, { stack, releases }));
    assert.deepEqual(ofType(registrations, T.flyVolume).map((r) => r.inputs.region).sort(), [...regions].sort());
    assert.deepEqual(ofType(registrations, T.flyMachine).map((r) => r.inputs.region).sort(), [...regions].sort());
  });

  test(`${stackName}: every Worker version knows the Fly origin and its own color's Modal app`, async () => {
    const { registrations } = await evaluateOffline(stack, () => buildStack(config, { stack, releases }));
    for (const apiVersion of versions) {
      for (const color of ["blue", "green"]) {
        const bindings = bindingsOf(named(registrations, `edge-${apiVersion}-${color}`));
        assert.equal(bindings.get("FLY_ORIGIN")?.text, `https://${config.fly.app}.fly.dev`);
        const modalUrl = String(bindings.get("MODAL_URL")?.text);
        assert.ok(modalUrl.startsWith(`https://${config.modal.workspace}`) && modalUrl.endsWith(`--${config.modal.appPrefix}-${apiVersion}-${color}.modal.run`), modalUrl);
        assert.equal(bindings.get("API_VERSIONS")?.text, apiVersion);
        assert.equal(bindings.get("RELEASE")?.text, config.apiVersions[apiVersion]?.slots[color as "blue" | "green"].release);
      }
    }
  });

  test(`${stackName}: the custom domain belongs to the first API version; each version routes its path`, async () => {
    const { registrations, outputs } = await evaluateOffline(stack, () => buildStack(config, { stack, releases }));
    assert.equal(named(registrations, "edge-v1-domain").inputs.hostname, config.domain);
    for (const apiVersion of versions) {
      assert.equal(named(registrations, `edge-${apiVersion}-route`).inputs.pattern, `${config.domain}${config.apiVersions[apiVersion]?.route}/*`);
    }
    assert.deepEqual(Object.keys((outputs as { urls: object }).urls), versions);
  });
}

test("prod: v1's canary sends 10% to green while blue stays live", async () => {
  const { stack, config } = parseStackFile(join(root, "Pulumi.prod.yaml"));
  const { registrations } = await evaluateOffline(stack, () => buildStack(config, { stack, releases }));
  const split = (named(registrations, "edge-v1-deployment").inputs.versions as { percentage: number }[]).map((v) => v.percentage);
  assert.deepEqual(split, [90, 10]);
  assert.deepEqual((named(registrations, "edge-v2-deployment").inputs.versions as unknown[]).length, 1);
});

/** The program run as `pulumi up` runs it, config and secrets from a raw stack; what it registered. */
async function programOf(raw: ReturnType<typeof validRawStack>) {
  const registrations = await recordRegistrations("test");
  setStackConfig(raw);
  buildStack(loadStackConfig(new pulumi.Config()), { stack: "test", releases });
  await pulumi.runtime.disconnect();
  return registrations;
}

test("no secret is ever sent to a provider in the clear", async () => {
  const raw = validRawStack();
  const registrations = await programOf(raw);
  assert.ok(registrations.length > 20);
  const secrets = [raw.upstreamSecret, raw.authToken, raw.modalTokenId, raw.modalTokenSecret, raw.otlpHeaders, "fake-secret-access-key"].map(String);
  for (const registration of registrations) {
    const clear = clearStrings(registration.inputs).join("\n");
    for (const secret of secrets) assert.ok(!clear.includes(secret), `${registration.name} sends ${secret} in the clear`);
  }
  // …and they are sent, marked secret, where they are needed.
  const everything = JSON.stringify(registrations.map((r) => reveal(r.inputs)));
  for (const secret of secrets.slice(0, 5)) assert.ok(everything.includes(secret), `${secret} reaches a provider`);
});

test("spans of all three platforms go to the stack's collector, with its headers as a secret on each", async () => {
  const raw = validRawStack();
  const registrations = await programOf(raw);
  const endpoint = "https://otlp.example.com";
  for (const color of ["blue", "green"]) {
    const bindings = bindingsOf(named(registrations, `edge-v1-${color}`));
    assert.equal(bindings.get("OTEL_EXPORTER_OTLP_ENDPOINT")?.text, endpoint);
    assert.equal(bindings.get("OTEL_EXPORTER_OTLP_HEADERS")?.type, "secret_text");
    assert.equal(bindings.get("MCP_CALLS")?.dataset, "mcp_calls_test", "the stack's dataset, by default named after it");
  }
  for (const machine of ofType(registrations, T.flyMachine)) {
    assert.equal((machine.inputs.env as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT, endpoint);
    assert.deepEqual(machine.inputs.metrics, { port: 9091, path: "/metrics" });
  }
  const flySecrets = reveal(named(registrations, "fly-secrets").inputs.values) as Record<string, string>;
  assert.equal(flySecrets.OTEL_EXPORTER_OTLP_HEADERS, raw.otlpHeaders);
  for (const deploy of ofType(registrations, T.command)) {
    const environment = deploy.inputs.environment as Record<string, unknown>;
    assert.equal(environment.OTEL_EXPORTER_OTLP_ENDPOINT, endpoint);
    assert.equal(reveal(environment.OTEL_EXPORTER_OTLP_HEADERS), raw.otlpHeaders);
  }
});
