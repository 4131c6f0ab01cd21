/**
 * Infra: how long the prod program takes to evaluate under Pulumi mocks
 * (`npm run plan`), and what a cutover plan touches.
 *
 * Interim cutover counts: `npm run plan -- --diff` does not exist yet, so the
 * prod stack is evaluated twice offline, once as committed (v1 live on blue)
 * and once with v1 cut over to green, and the registered inputs of each
 * resource (type + name) are compared. Replace with `plan --diff` once it lands.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./stats.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PLAN = join(ROOT, "stacks/commands/plan.ts");

interface PlanReport {
  timing: { parseMs: number; evaluateMs: number };
  resources: { type: string; name: string; inputs: unknown }[];
}

export interface InfraFigures {
  /** Program evaluation under mocks, as `npm run plan` reports it. */
  evaluateMs: number;
  /** The whole `npm run plan -- --stack prod --json` process, Node start included. */
  processMs: number;
  resources: number;
  cutover: { changed: string[]; added: string[]; removed: string[]; unchanged: number; description: string };
}

function plan(root: string): { report: PlanReport; processMs: number } {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [PLAN, "--stack", "prod", "--json", "--root", root], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`plan failed (${run.status}): ${run.stderr}`);
  return { report: JSON.parse(run.stdout) as PlanReport, processMs };
}

const key = (resource: { type: string; name: string }) => `${resource.type}::${resource.name}`;

/** A project dir holding one prod stack file and the Modal sources the plan hashes. */
function projectWith(stackFile: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mcp-bench-cutover-"));
  writeFileSync(join(dir, "Pulumi.prod.yaml"), stackFile);
  mkdirSync(join(dir, "app"), { recursive: true });
  cpSync(join(ROOT, "app/modal"), join(dir, "app/modal"), { recursive: true, filter: (path) => !path.includes("__pycache__") });
  return dir;
}

/** Inputs per resource, with the project dir written the same way for both evaluations. */
function inputsByResource(dir: string): Map<string, string> {
  const projectDir = relative(ROOT, dir);
  return new Map(plan(dir).report.resources.map((r) => [key(r), JSON.stringify(r.inputs).replaceAll(projectDir, "<project>")]));
}

export function infraFigures(runs: number): InfraFigures {
  const timings = Array.from({ length: runs }, () => plan(ROOT));
  const prod = readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8");
  // The cutover: v1's live slot moves from blue to green; everything else stays as committed.
  const cutover = prod.replace(/(\n {4}v1:\n(?: {6}.*\n)*? {6}live: )blue/, "$1green");
  if (cutover === prod) throw new Error("Pulumi.prod.yaml: could not find apiVersions.v1.live: blue to cut over");
  const dirs = [projectWith(prod), projectWith(cutover)];
  try {
    const [before, after] = dirs.map(inputsByResource) as [Map<string, string>, Map<string, string>];
    const changed = [...after].filter(([k, inputs]) => before.has(k) && before.get(k) !== inputs).map(([k]) => k);
    const added = [...after.keys()].filter((k) => !before.has(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    return {
      evaluateMs: median(timings.map((t) => t.report.timing.evaluateMs)),
      processMs: median(timings.map((t) => t.processMs)),
      resources: timings[0]!.report.resources.length,
      cutover: { changed, added, removed, unchanged: after.size - changed.length - added.length, description: "apiVersions.v1.live: blue → green" },
    };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(JSON.stringify(infraFigures(2), null, 2));
