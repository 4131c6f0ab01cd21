import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";

const run = promisify(execFile);
const CLI = fileURLToPath(import.meta.resolve("@modelcontextprotocol/conformance/dist/index.js"));

export const ERAS = ["2025-11-25", "2026-07-28"] as const;
export type Era = (typeof ERAS)[number];

/** One scenario's outcome: the checks that failed, and those that only warned. */
export interface ScenarioOutcome {
  scenario: string;
  checks: number;
  failed: string[];
  warned: string[];
}

/**
 * Runs every server scenario the suite has for an era against `url`, in one
 * run of the official CLI: its active set, and its draft and pending
 * scenarios too (`--suite all --spec-version <era>`; extensions such as
 * tasks are not part of a revision). Each scenario's checks are read from
 * the results the CLI saves; nothing is taken from its exit code alone.
 */
export async function runSuite(url: string, era: Era): Promise<ScenarioOutcome[]> {
  const out = mkdtempSync(join(tmpdir(), "mcp-conformance-"));
  try {
    const args = [CLI, "server", "--url", url, "--spec-version", era, "--suite", "all", "--timeout", "30000", "-o", out];
    // Exit 1 means a scenario failed; the checks below say which and why.
    await run(process.execPath, args, { timeout: 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } }).catch((error: { code?: unknown }) => {
      if (error.code !== 1) throw error;
    });
    return outcomesIn(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Runs one scenario for an era, even one the era does not list
 * (`--force`: extension scenarios such as tasks-*), and reads its checks as
 * {@link runSuite} does. A SKIPPED check is neither failed nor warned.
 */
export async function runScenario(url: string, era: Era, scenario: string): Promise<ScenarioOutcome> {
  const out = mkdtempSync(join(tmpdir(), "mcp-conformance-"));
  try {
    const args = [CLI, "server", "--url", url, "--scenario", scenario, "--spec-version", era, "--force", "--timeout", "60000", "-o", out];
    await run(process.execPath, args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } }).catch((error: { code?: unknown }) => {
      if (error.code !== 1) throw error;
    });
    const [outcome] = outcomesIn(out);
    if (outcome === undefined) throw new Error(`the conformance CLI saved no results for ${scenario}`);
    return outcome;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Runs the suite's authorization-server scenarios against `issuer`
 * (`conformance authorization`). The code grant needs a browser: when the CLI
 * prints the authorization URL, `open` completes the sign-in there and
 * delivers the redirect to the CLI's callback on `port`.
 */
export async function runAuthorizationScenarios(options: { issuer: string; clientId: string; resource: string; port: number; open: (url: URL) => Promise<void> }): Promise<ScenarioOutcome[]> {
  const out = mkdtempSync(join(tmpdir(), "mcp-conformance-"));
  try {
    const args = [CLI, "authorization", "--url", options.issuer, "--client-id", options.clientId, "--resource", options.resource, "--port", String(options.port), "-o", out];
    const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let opened: Promise<void> | undefined;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /^(https?:\/\/\S+\/authorize\?\S+)$/m.exec(output)?.[1];
      if (url && opened === undefined) opened = options.open(new URL(url));
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    await new Promise<void>((resolve) => child.once("exit", () => resolve()));
    clearTimeout(killer);
    await opened;
    const outcomes = outcomesIn(out);
    if (outcomes.length === 0) throw new Error(`the conformance CLI saved no results:\n${output}`);
    return outcomes;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The outcome of each scenario whose results the CLI saved in `out`. */
function outcomesIn(out: string): ScenarioOutcome[] {
  return readdirSync(out)
    .sort()
    .map((dir) => {
      const scenario = dir.replace(/^(authorization-)?server-/, "").replace(/-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/, "");
      const checks = JSON.parse(readFileSync(join(out, dir, "checks.json"), "utf8")) as { id: string; status: string; errorMessage?: string }[];
      const describe = (check: { id: string; errorMessage?: string }) => `${check.id}: ${check.errorMessage ?? ""}`;
      return {
        scenario,
        checks: checks.length,
        failed: checks.filter((check) => check.status === "FAILURE").map(describe),
        warned: checks.filter((check) => check.status === "WARNING").map(describe),
      };
    });
}

/**
 * The expected failures, in the CLI's own format (`server:` entries
 * `<scenario>` or `<scenario>:<check-id>`, the suite's reason in a comment):
 * scenario → the check ids allowed to fail, or `[]` for the whole scenario.
 */
export function readExpectedFailures(path: string): Map<string, string[]> {
  const entries = ((parse(readFileSync(path, "utf8")) as { server?: string[] } | null)?.server ?? []).map(String);
  const expected = new Map<string, string[]>();
  for (const entry of entries) {
    const [scenario, check] = entry.split(/:(.*)/s) as [string, string | undefined];
    expected.set(scenario, check ? [...(expected.get(scenario) ?? []), check] : []);
  }
  return expected;
}
