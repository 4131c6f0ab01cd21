/**
 * `npm run bench [-- --quick] [-- --json] [-- --out <file>]`: every speed
 * claim of the project as a number, on this machine, over loopback only.
 * Writes bench/RESULTS.md (a quick run writes results/bench-quick.md unless
 * --out says otherwise), prints the targets as pass or fail, and exits 0
 * whatever they say: the benchmark informs, it never fails CI.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { coldStart } from "./cold-start.ts";
import { infraFigures } from "./infra.ts";
import { loadSweeps } from "./load-sweeps.ts";
import { ECHO } from "./mcp-wire.ts";
import { nodeLatency } from "./node-latency.ts";
import { placementLatency } from "./placement.ts";
import { renderMarkdown, type BenchResults } from "./report.ts";
import { sessionStoreRate } from "./session-store.ts";
import { judge } from "./targets.ts";
import { workerdLatency } from "./workerd-latency.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const USAGE = "usage: npm run bench [-- --quick] [--json] [--out <file.md>]   (loopback only; bounded in count and time)";
const { values: flags } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" }, out: { type: "string" }, help: { type: "boolean", short: "h" } } });
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

/**
 * Both plans keep 1,000 sessions and the 1,000 calls/s rung (the issue's
 * target is that point). The full plan takes about 20 minutes on 2 cores.
 */
const PLANS = {
  full: {
    latency: { runs: 7, callsPerRun: 1000, warmupCalls: 300 },
    // Each rate three times, the median run standing for it: single 5 s runs were decided by one stall of the shared machine.
    load: { call: ECHO, ladder: [250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000], rungMs: 5000, warmupMs: 3000, sessions: 1000, timeoutMs: 2000, pauseMs: 1000, repeats: 3 },
    // The Modal runner's calls take tens of ms: fewer of them.
    placement: { runs: 3, callsPerRun: 200, warmupCalls: 50 },
    coldStartRuns: 7,
    sessionStore: { sessions: 10_000, runs: 5 },
    infraRuns: 3,
  },
  quick: {
    latency: { runs: 3, callsPerRun: 150, warmupCalls: 100 },
    load: { call: ECHO, ladder: [250, 500, 1000, 2000], rungMs: 2000, warmupMs: 1000, sessions: 1000, timeoutMs: 2000, pauseMs: 500 },
    placement: { runs: 1, callsPerRun: 60, warmupCalls: 20 },
    coldStartRuns: 3,
    sessionStore: { sessions: 2000, runs: 3 },
    infraRuns: 1,
  },
} as const;

const mode = flags.quick ? "quick" : "full";
const plan = PLANS[mode];
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const started = process.hrtime.bigint();

log(`${mode} run: Node latency`);
const node = await nodeLatency(plan.latency);
log("workerd latency");
const workerd = await workerdLatency(plan.latency);
log("open-loop rate sweeps");
const load = await loadSweeps(plan.load, log);
log("placement hops");
const placement = await placementLatency(plan.placement);
log("cold start and bundle");
const cold = await coldStart(plan.coldStartRuns);
log("session store");
const store = sessionStoreRate(plan.sessionStore.sessions, plan.sessionStore.runs);
log("infra");
const infra = infraFigures(plan.infraRuns);

const results: BenchResults = {
  machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version, date: new Date().toISOString(), mode },
  latency: [...node, ...workerd],
  load,
  placement,
  coldStart: cold,
  sessionStore: store,
  infra,
  plan,
};

const out = flags.out ?? (mode === "full" ? `${ROOT}bench/RESULTS.md` : `${ROOT}results/bench-quick.md`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, renderMarkdown(results));
if (flags.json) {
  process.stdout.write(`${JSON.stringify({ ...results, verdicts: judge(results) }, null, 2)}\n`);
} else {
  for (const verdict of judge(results)) console.log(`${verdict.pass ? "pass" : "FAIL"}  ${verdict.target}: ${verdict.measured}`);
  console.log(`wrote ${out}`);
}
log(`done in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
