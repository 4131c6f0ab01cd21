import assert from "node:assert/strict";
import { test } from "node:test";
import type { ReleaseRecord } from "../release-platform.ts";
import { computeFindings } from "./compare.ts";

function record(release: string, requirementsSha: string, gpu: "T4" | "L4"): ReleaseRecord {
  return {
    release,
    worker: { compatibilityDate: "2026-11-01", compatibilityFlags: [], migrations: [] } as unknown as ReleaseRecord["worker"],
    tools: [
      { name: "echo", placement: "edge" },
      { name: "csv_cluster", placement: "modal", compute: { gpu, packages: ["torch"] } },
    ],
    artifacts: { "modal/requirements.txt": { sha256: requirementsSha.repeat(64), bytes: 100 } },
  };
}

test("a change of the locked Python packages or of a tool's compute is worth a look, never breaking", () => {
  const findings = computeFindings(record("r-000000000001", "a", "T4"), record("r-000000000002", "b", "L4"));
  assert.deepEqual(
    findings.map((f) => [f.verdict, f.tool, f.path]),
    [
      ["review", "(modal)", "$.requirements.txt"],
      ["review", "csv_cluster", "$.compute"],
    ],
  );
  assert.match(findings[0]!.reason, /locked Python packages changed \(app\/modal\/requirements\.txt\)/);
  assert.match(findings[1]!.reason, /"gpu":"T4".* to .*"gpu":"L4"/);
  assert.deepEqual(computeFindings(record("r-000000000001", "a", "T4"), record("r-000000000002", "a", "T4")), []);
});
