import assert from "node:assert/strict";
import { test } from "node:test";
import { labelProblem, modalWebUrl } from "./modal-url.ts";

test("the URL is the docs' pattern: workspace, the environment's web suffix, then the label", () => {
  // modal.com/docs/guide/webhook-urls: workspace ECorp, environment main with web suffix prod.
  assert.equal(modalWebUrl({ workspace: "ecorp", webSuffix: "prod", label: "text-to-speech-flask-app" }), "https://ecorp-prod--text-to-speech-flask-app.modal.run");
});

test("the one environment without a web suffix serves at the bare workspace", () => {
  assert.equal(modalWebUrl({ workspace: "ecorp", webSuffix: "", label: "text-to-speech-flask-app" }), "https://ecorp--text-to-speech-flask-app.modal.run");
});

test("a subdomain of 63 characters is kept whole; one of 64 is cut to 56, a dash and 6 hex of its sha256", () => {
  const exact = `acme-prod--${"a".repeat(52)}`;
  assert.equal(modalWebUrl({ workspace: "acme", webSuffix: "prod", label: "a".repeat(52) }), `https://${exact}.modal.run`);
  // Expected values computed apart, with Python's hashlib, from the documented rule.
  assert.equal(modalWebUrl({ workspace: "acme", webSuffix: "prod", label: "a".repeat(53) }), `https://acme-prod--${"a".repeat(45)}-91f41a.modal.run`);
  assert.equal(
    modalWebUrl({ workspace: "acme", webSuffix: "staging", label: "mcp-staging-v12-green-with-a-rather-long-prefix-for-tests" }),
    "https://acme-staging--mcp-staging-v12-green-with-a-rather-long-p-3c2a53.modal.run",
  );
});

test("a label Modal would reject is named with what a label may hold", () => {
  assert.equal(labelProblem("mcp-prod-v1-blue"), undefined);
  for (const bad of ["Mcp-Prod", "mcp_prod", "-mcp", "mcp-", "1234", "", "a".repeat(64)]) {
    assert.match(String(labelProblem(bad)), /is not a Modal web label \(expected 1-63 of a-z 0-9 -, not starting or ending with -, not all digits\)/, bad);
  }
});
