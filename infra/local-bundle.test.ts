// A `local` pin is the working tree as it is now: plan builds a bundle older than the sources, the program
// refuses one, and a missing one is built with npm run build:edge (never fetched: it is not a release).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { localReleases, placeholderReleases } from "./releases.ts";

const root = join(import.meta.dirname, "..");
const PLAN = join(root, "stacks", "commands", "plan.ts");

/** A project whose stack `dev` pins `local` everywhere, with the app's sources to build its bundle from. */
function localProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-local-pin-"));
  for (const path of ["app/src", "app/modal", "package-lock.json"]) cpSync(join(root, path), join(dir, path), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "Pulumi.dev.yaml"), readFileSync(join(root, "Pulumi.staging.yaml"), "utf8").replace(/release: r-[0-9a-f]{12}/g, "release: local"));
  return dir;
}
const projects: string[] = [];
after(() => projects.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function plan(dir: string) {
  const run = spawnSync(process.execPath, [PLAN, "--stack", "dev", "--root", dir, "--json"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The Worker code the plan would upload for each version of the stack. */
function plannedWorkers(stdout: string): string[] {
  const report = JSON.parse(stdout) as { resources: { type: string; inputs: { modules?: { contentBase64: string }[] } }[] };
  return report.resources
    .filter((resource) => resource.type === "cloudflare:index/workerVersion:WorkerVersion")
    .map((resource) => Buffer.from(resource.inputs.modules![0]!.contentBase64, "base64").toString("utf8"));
}

const editEcho = (dir: string, marker: string) => {
  const file = join(dir, "app", "src", "tools", "echo.ts");
  writeFileSync(file, readFileSync(file, "utf8").replace("description:", `description: ${JSON.stringify(`${marker} `)} +`));
};

test("plan builds a local pin's bundle when it is missing or older than the sources, and plans the tree as edited", () => {
  const dir = localProject();
  projects.push(dir);
  const first = plan(dir);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, "dist/edge/worker.js does not exist: building it (npm run build:edge)\n");
  assert.ok(plannedWorkers(first.stdout).length > 0, "the JSON on stdout is the plan alone");

  const again = plan(dir);
  assert.equal(again.stderr, "", "an up-to-date bundle is not built again");

  editEcho(dir, "Edited after the build.");
  const edited = plan(dir);
  assert.equal(edited.code, 0, edited.stderr);
  assert.equal(edited.stderr, "dist/edge/worker.js is older than app/src/tools/echo.ts: building it again (npm run build:edge)\n");
  for (const worker of plannedWorkers(edited.stdout)) assert.ok(worker.includes("Edited after the build."), "the planned Worker is the edited tree's");
});

test("a tree whose Worker does not build stops the plan with the error and the command to run after the fix", () => {
  const dir = localProject();
  projects.push(dir);
  writeFileSync(join(dir, "app", "src", "tools", "echo.ts"), "export const = ;\n");
  const run = plan(dir);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /release local: the working tree's Worker does not build, so there is no dist\/edge\/worker\.js to use: .*echo\.ts:1:\d+.* \(fix it, then npm run build:edge\)/);
});

test("the program refuses a local bundle older than the sources, and a missing one says npm run build:edge, never release:fetch", () => {
  const dir = localProject();
  projects.push(dir);
  assert.throws(() => localReleases(dir).resolve("local"), { name: "ReleaseNotFoundError", message: "release local: dist/edge/worker.js does not exist (build it with npm run build:edge)" });
  assert.throws(() => placeholderReleases(dir).resolve("local"), /npm run build:edge/, "the offline plan never stands in for the working tree");

  assert.equal(plan(dir).code, 0);
  assert.equal(localReleases(dir).resolve("local").placeholder, false);
  editEcho(dir, "Edited.");
  assert.throws(() => localReleases(dir).resolve("local"), {
    name: "LocalBundleError",
    message: "release local: dist/edge/worker.js is older than app/src/tools/echo.ts, so it is not what the working tree builds (build it with npm run build:edge)",
  });
});
