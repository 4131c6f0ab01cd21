import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { bindingsOf, isSecretValue, named, ofType, reveal, T } from "../../test/fixtures/registrations.ts";
import { edgeWorkerArgs } from "../../test/fixtures/edge-worker-args.ts";
import { evaluateOffline } from "../plan/evaluate.ts";
import { EdgeWorker, type EdgeWorkerArgs } from "./edge-worker.ts";

const args = edgeWorkerArgs;

/** Mock ids are fresh UUIDs, remembered by resource name, as the Workers API issues version ids. */
async function evaluate(a: EdgeWorkerArgs) {
  const ids = new Map<string, string>();
  const evaluation = await evaluateOffline("test", () => ({ url: new EdgeWorker("edge-v1", a).url }), {
    newResource: (r) => {
      const id = randomUUID();
      ids.set(r.name, id);
      return { id, state: r.inputs };
    },
  });
  return { ...evaluation, ids };
}

test("each color is a Worker version bound to both Durable Objects, and carries no migration", async () => {
  const { registrations } = await evaluate(args());
  const versions = ofType(registrations, T.version);
  assert.deepEqual(versions.map((v) => v.name).sort(), ["edge-v1-blue", "edge-v1-green"]);
  for (const version of versions) {
    const bindings = bindingsOf(version);
    assert.deepEqual(bindings.get("MCP_SESSION"), { type: "durable_object_namespace", name: "MCP_SESSION", className: "McpSession" });
    assert.deepEqual(bindings.get("PRINCIPAL_STATE"), { type: "durable_object_namespace", name: "PRINCIPAL_STATE", className: "PrincipalState" });
    assert.equal(version.inputs.migrations, undefined, "Cloudflare refuses a version that carries a migration (10211)");
    assert.equal(version.inputs.mainModule, "worker.js");
    assert.deepEqual(version.inputs.compatibilityFlags, ["enable_request_signal"]);
  }
});

test("the SQLite-class migration is one non-versioned upload of the live slot, registered before the versions that bind its classes", async () => {
  const { registrations } = await evaluate(args({ live: "green" }));
  const migrations = named(registrations, "edge-v1-migrations");
  assert.deepEqual(migrations.inputs.migrations, [{ tag: "v1", newSqliteClasses: ["McpSession", "PrincipalState"] }]);
  assert.equal(migrations.inputs.scriptName, "mcp-test-v1");
  const upload = migrations.inputs.upload as Record<string, unknown>;
  assert.equal(upload.release, "r-8c2e5a1f9d07", "the live color's release");
  assert.equal(Buffer.from(String(upload.contentBase64), "base64").toString(), "export default {}; // green");
  // The upload takes all traffic until the deployment: it carries the live color's bindings, secrets still secret.
  assert.ok(isSecretValue(upload.bindings), "the upload's bindings hold secret_text values and stay secret");
  const wire = reveal(upload.bindings) as { type: string; name: string; class_name?: string; text?: string }[];
  assert.deepEqual(wire.find((b) => b.name === "MCP_SESSION"), { type: "durable_object_namespace", name: "MCP_SESSION", class_name: "McpSession" });
  assert.equal(wire.find((b) => b.name === "COLOR")?.text, "green");
  const order = registrations.map((r) => r.name);
  for (const color of ["blue", "green"]) assert.ok(order.indexOf("edge-v1-migrations") < order.indexOf(`edge-v1-${color}`), `${color} waits for the migration`);
});

test("secrets reach Cloudflare as secret_text bindings whose text stays secret; settings stay plain", async () => {
  const { registrations } = await evaluate(args({ upstreamSecret: "given-as-a-plain-string" }));
  const bindings = bindingsOf(named(registrations, "edge-v1-green"));
  for (const name of ["MCP_UPSTREAM_SECRET", "MCP_AUTH_TOKEN"]) {
    assert.equal(bindings.get(name)?.type, "secret_text");
    assert.ok(isSecretValue(bindings.get(name)?.text), `${name} text is marked secret`);
  }
  for (const name of ["FLY_ORIGIN", "MODAL_URL", "API_VERSIONS", "RATE_LIMIT_PER_MINUTE", "RELEASE", "COLOR"]) {
    assert.equal(bindings.get(name)?.type, "plain_text");
    assert.equal(typeof bindings.get(name)?.text, "string", `${name} is plain`);
  }
  assert.equal(bindings.get("MODAL_URL")?.text, "https://green.modal.run");
  assert.equal(bindings.get("COLOR")?.text, "green");
  assert.equal(bindings.get("MCP_ALLOWED_HOSTS")?.text, "mcp.example.com", "the Host rule admits the public hostname");
});

test("every version binds the Analytics Engine dataset its calls are written to; span export headers are a secret binding", async () => {
  const plain = await evaluate(args());
  for (const version of ofType(plain.registrations, T.version)) {
    assert.deepEqual(bindingsOf(version).get("MCP_CALLS"), { type: "analytics_engine", name: "MCP_CALLS", dataset: "mcp_calls" });
    assert.equal(bindingsOf(version).has("OTEL_EXPORTER_OTLP_ENDPOINT"), false, "no endpoint, no export");
  }
  assert.deepEqual(named(plain.registrations, "edge-v1-worker").inputs.observability, { enabled: true });

  const telemetry = { dataset: "mcp_calls_prod", otlpEndpoint: "https://api.honeycomb.io", otlpHeaders: "x-honeycomb-team=key", traceDestinations: ["honeycomb-traces"] };
  const { registrations } = await evaluate(args({ telemetry }));
  for (const version of ofType(registrations, T.version)) {
    const bindings = bindingsOf(version);
    assert.equal(bindings.get("MCP_CALLS")?.dataset, "mcp_calls_prod");
    assert.equal(bindings.get("OTEL_EXPORTER_OTLP_ENDPOINT")?.text, "https://api.honeycomb.io");
    assert.equal(bindings.get("OTEL_EXPORTER_OTLP_HEADERS")?.type, "secret_text");
    assert.ok(isSecretValue(bindings.get("OTEL_EXPORTER_OTLP_HEADERS")?.text), "given as a plain string, still secret");
    assert.equal(bindings.has("MCP_TELEMETRY_CONTENT"), false, "tool arguments are not recorded unless the stack opts in");
  }
  // Cloudflare's own traces go to the named destinations.
  assert.deepEqual(named(registrations, "edge-v1-worker").inputs.observability, { enabled: true, traces: { enabled: true, destinations: ["honeycomb-traces"] } });
  const upload = named(registrations, "edge-v1-migrations").inputs.upload as { bindings: unknown };
  const wire = reveal(upload.bindings) as { name: string; type: string; dataset?: string }[];
  assert.deepEqual(wire.find((b) => b.name === "MCP_CALLS"), { type: "analytics_engine", name: "MCP_CALLS", dataset: "mcp_calls_prod" });
});

test("without an auth token there is no MCP_AUTH_TOKEN binding", async () => {
  const { registrations } = await evaluate(args({ authToken: undefined }));
  assert.equal(bindingsOf(named(registrations, "edge-v1-blue")).has("MCP_AUTH_TOKEN"), false);
});

test("with no canary the live color's version takes all traffic", async () => {
  const { registrations, ids } = await evaluate(args({ live: "green" }));
  const deployment = named(registrations, "edge-v1-deployment");
  assert.equal(deployment.inputs.strategy, "percentage");
  assert.deepEqual(deployment.inputs.versions, [{ versionId: ids.get("edge-v1-green"), percentage: 100 }]);
});

test("a canary sends its share to the other color, listed in a fixed color order", async () => {
  const { registrations, ids } = await evaluate(args({ live: "green", canaryPercent: 10 }));
  assert.deepEqual(named(registrations, "edge-v1-deployment").inputs.versions, [
    { versionId: ids.get("edge-v1-blue"), percentage: 10 },
    { versionId: ids.get("edge-v1-green"), percentage: 90 },
  ]);
});

test("the Worker uploads no code of its own, so the deployment is the only thing sending traffic", async () => {
  const { registrations, ids } = await evaluate(args());
  assert.equal(ofType(registrations, T.script).length, 0);
  assert.equal(ofType(registrations, T.deployment).length, 1);
  const worker = named(registrations, "edge-v1-worker");
  assert.equal(worker.inputs.name, "mcp-test-v1");
  for (const version of ofType(registrations, T.version)) assert.equal(version.inputs.workerId, ids.get("edge-v1-worker"));
});

test("a route serves the version's path; only the Worker claiming the hostname gets the custom domain", async () => {
  const plain = await evaluate(args());
  assert.equal(named(plain.registrations, "edge-v1-route").inputs.pattern, "mcp.example.com/v1/*");
  assert.equal(ofType(plain.registrations, T.domain).length, 0);
  const claiming = await evaluate(args({ claimHostname: true }));
  const domain = named(claiming.registrations, "edge-v1-domain");
  assert.equal(domain.inputs.hostname, "mcp.example.com");
  assert.equal(domain.inputs.service, "mcp-test-v1");
});

test("the url is the MCP endpoint of the version", async () => {
  const { outputs } = await evaluate(args());
  assert.deepEqual(outputs, { url: "https://mcp.example.com/v1/mcp" });
});

test("a bundle file is read at program time and uploaded as the main module", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mcp-edge-"));
  writeFileSync(join(dir, "worker.js"), "export default { fetch() {} };\n");
  const a = args();
  a.slots.blue = { ...a.slots.blue, bundle: { path: join(dir, "worker.js") } };
  const { registrations } = await evaluate(a);
  const [module] = reveal(named(registrations, "edge-v1-blue").inputs.modules) as { name: string; contentBase64: string; contentType: string }[];
  assert.equal(module?.name, "worker.js");
  assert.equal(module?.contentType, "application/javascript+module");
  assert.equal(Buffer.from(module?.contentBase64 ?? "", "base64").toString(), "export default { fetch() {} };\n");
});

test("transform hooks adjust a child without forking the component", async () => {
  const { registrations } = await evaluate(
    args({
      transform: {
        worker: { logpush: true },
        version: (versionArgs) => {
          versionArgs.compatibilityDate = "2026-11-01";
        },
      },
    }),
  );
  assert.equal(named(registrations, "edge-v1-worker").inputs.logpush, true);
  for (const version of ofType(registrations, T.version)) assert.equal(version.inputs.compatibilityDate, "2026-11-01");
});
