/**
 * `npm run rehearse [-- --json] [--through <step>] [--keep] [--verbose]`:
 * plays a stack's life from four empty accounts (Fly, Cloudflare, Modal, S3)
 * through the pipelines as written (.github/workflows), with stand-in pulumi,
 * flyctl and modal commands over fakes that keep their state between steps
 * and refuse what the platforms refuse. Prints each step and what it checked;
 * exits 1 when a check fails. Nothing leaves 127.0.0.1.
 */
import { parseArgs } from "node:util";
import { runCommand, UsageError } from "../../stacks/cli.ts";
import { rehearse } from "./rehearse.ts";
import { STORY } from "./story/steps.ts";

const USAGE = `usage: npm run rehearse -- [--json] [--through <1..${STORY.length}>] [--guard <duration>] [--keep] [--verbose]

  --json       one JSON report on stdout: { ok, seconds, steps: [{ step, title, ok, seconds, checks }], rules }
  --through N  stop after step N
  --guard D    the deploy workflow's guard window (15m as written; default 1s)
  --keep       keep the rehearsal's folder (the fakes' state, the checkouts) and print where it is
  --verbose    every command's output as it runs

The story: ${STORY.map((step, i) => `${i + 1}. ${step.title}`).join("; ")}.`;

await runCommand(USAGE, async () => {
  const { values } = parseArgs({ options: { json: { type: "boolean" }, through: { type: "string" }, guard: { type: "string" }, keep: { type: "boolean" }, verbose: { type: "boolean" } } });
  const through = values.through === undefined ? undefined : Number(values.through);
  if (through !== undefined && !(Number.isInteger(through) && through >= 1 && through <= STORY.length)) throw new UsageError(`--through: ${values.through} is not a step (expected 1..${STORY.length})`);
  const out = (line: string) => void process.stdout.write(`${line}\n`);
  const started = Date.now();
  const stamp = (line: string) => (values.verbose ? line.replace(/^(\n?)/, (lead) => `${lead}[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] `) : line);
  const report = await rehearse({
    // The steps and checks always; every command's output with --verbose. With --json, the log goes to stderr.
    log: (line) => {
      if (!values.verbose && !/^(\n?\d+\. |    [✔✖] |    \$ |  workflow )/.test(line)) return;
      if (values.json) process.stderr.write(`${stamp(line)}\n`);
      else out(stamp(line));
    },
    ...(through ? { through } : {}),
    ...(values.guard ? { guard: values.guard } : {}),
    ...(values.keep ? { keep: true } : {}),
  });
  if (values.json) out(JSON.stringify(report, null, 2));
  else {
    const checks = report.steps.flatMap((step) => step.checks);
    out(`\n${report.ok ? "rehearsal passed" : "rehearsal FAILED"}: ${report.steps.filter((s) => s.ok).length}/${through ?? STORY.length} steps, ${checks.filter((c) => c.ok).length}/${checks.length} checks, ${report.seconds} s; ${report.rules.length} platform rules enforced by the fakes (--json lists them with their sources)`);
    if (report.dir) out(`kept: ${report.dir}`);
  }
  if (!report.ok) process.exitCode = 1;
});
