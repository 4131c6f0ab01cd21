/**
 * The rehearsal as part of `npm test`: the whole story passes from four empty
 * accounts through the workflows as written, and a copy of a workflow that
 * breaks a platform's rule makes it fail where that rule bites.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { rehearse, type RehearsalReport } from "./rehearse.ts";
import { STORY } from "./story/steps.ts";

const workflows = join(import.meta.dirname, "..", "..", ".github", "workflows");
const scratch = mkdtempSync(join(tmpdir(), "mcp-rehearsal-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of a workflow with one edit, which must change it. */
function brokenCopy(name: string, edit: (text: string) => string): string {
  const text = readFileSync(join(workflows, name), "utf8");
  const broken = edit(text);
  assert.notEqual(broken, text, `the edit of ${name} changed nothing`);
  const path = join(scratch, `${name.replace(".yml", "")}-${Math.random().toString(16).slice(2)}.yml`);
  writeFileSync(path, broken);
  return path;
}

const failures = (report: RehearsalReport) =>
  report.steps.flatMap((step) => [...step.checks.filter((check) => !check.ok).map((check) => `${step.step}. ${check.what}\n${check.detail ?? ""}`), ...(step.error ? [`${step.step}. ${step.error}`] : [])]).join("\n\n");

test("the story passes: every step from an empty account to a breaking release refused", { timeout: 600_000 }, async () => {
  const report = await rehearse({ log: () => {} });
  assert.ok(report.ok, failures(report));
  assert.deepEqual(report.steps.map((step) => step.title), STORY.map((step) => step.title));
  assert.ok(report.steps.every((step) => step.checks.length > 0), "every step checked something");
});

test("a deploy workflow that pushes the Fly image before the first pulumi up (as main did) fails the first deploy: the registry has no app yet", { timeout: 300_000 }, async () => {
  const oldOrder = brokenCopy("deploy.yml", (text) =>
    text.replace(
      "      - name: Pin it to staging's idle slots\n",
      [
        "      - name: Push the Fly image under the release id",
        "        env:",
        "          RELEASE: ${{ steps.release.outputs.id }}",
        "        run: |",
        "          flyctl auth docker",
        "          docker build --tag \"registry.fly.io/mcp-hosting-staging:$RELEASE\" --file app/Dockerfile .",
        "          docker push \"registry.fly.io/mcp-hosting-staging:$RELEASE\"",
        "",
        "      - name: Pin it to staging's idle slots",
        "",
      ].join("\n"),
    ),
  );
  const report = await rehearse({ log: () => {}, workflows: { "deploy.yml": oldOrder }, through: 2 });
  assert.equal(report.ok, false);
  const second = report.steps[1]!;
  assert.equal(second.title, "the first deploy of staging");
  assert.equal(second.ok, false);
  assert.match(failures(report), /step "Push the Fly image under the release id" failed:[\s\S]*name unknown: app repository not found/);
});

test("a deploy workflow that pushes its pins with a plain git push fails when a merge races it: the cutover is applied, main does not say so", { timeout: 300_000 }, async () => {
  const plainPush = brokenCopy("deploy.yml", (text) => text.replaceAll(".github/scripts/push-pins.sh", "git push origin HEAD:main"));
  const report = await rehearse({ log: () => {}, workflows: { "deploy.yml": plainPush }, through: 4 });
  assert.equal(report.ok, false);
  const failed = report.steps.find((step) => !step.ok)!;
  assert.equal(failed.title, "a second release: a 10% canary, the guard, and the cutover");
  assert.match(failures(report), /the deploy workflow of the second release: the run succeeded[\s\S]*\[rejected\][\s\S]*non-fast-forward|fetch first/);
});

test("when verify fails against prod, the promote workflow publishes no registry entry", { timeout: 600_000 }, async () => {
  // prod's v1 answers with another release than the one checked for: verify fails, as for a prod that broke in the apply.
  const failingCheck = brokenCopy("promote.yml", (text) => text.replace('--expect-release "$live"', "--expect-release r-000000000000"));
  const promotion = STORY.findIndex((step) => step.title === "promotion to prod") + 1;
  let published = -1;
  const report = await rehearse({ log: () => {}, workflows: { "promote.yml": failingCheck }, through: promotion, inspect: (world) => void (published = world.mcpRegistry.requests.filter((r) => r.path === "/v0/publish").length) });
  assert.equal(report.ok, false);
  const failed = report.steps.at(-1)!;
  assert.equal(failed.title, "promotion to prod");
  assert.match(failures(report), /step "Check prod at each API version's URL" failed:[\s\S]*r-000000000000/);
  assert.equal(published, 0, "no publication reached the registry");
});
