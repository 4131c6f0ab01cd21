/**
 * `npm run drill:restore`: lose a machine, restore it from its backup, and
 * count what came back. Runs against a `file` replica in a temporary
 * directory unless `--replica` names another, e.g. a drill prefix of the real
 * bucket (with LITESTREAM_REGION and the LITESTREAM_* credentials in the
 * environment). Never point it at a live region's path.
 */
import { parseArgs } from "node:util";
import { runRestoreDrill, type DrillReport } from "./drill/restore-drill.ts";

const usage = "usage: npm run drill:restore -- [--entries N] [--replica file:///path/mcp.sqlite | s3://bucket/prefix/drill/mcp.sqlite] [--timeout SECONDS]";

function parse() {
  const { values } = parseArgs({
    options: { entries: { type: "string", default: "200" }, replica: { type: "string" }, timeout: { type: "string", default: "60" }, help: { type: "boolean" } },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const entries = Number(values.entries);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(entries) || entries < 1 || entries > 100_000) throw new Error(`--entries ${values.entries}: expected a whole number from 1 to 100000`);
  if (!(timeout > 0)) throw new Error(`--timeout ${values.timeout}: expected seconds, more than 0`);
  if (values.replica !== undefined && !/^(file|s3):\/\/./.test(values.replica)) throw new Error(`--replica ${values.replica}: expected a file:// or s3:// URL`);
  return { entries, timeoutMs: timeout * 1000, replicaUrl: values.replica };
}

function render(report: DrillReport): string {
  const ms = (value: number) => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);
  const { milliseconds: t } = report;
  return [
    `replica: ${report.replicaUrl}`,
    `rows written (acknowledged by the server):  ${report.written}  in ${ms(t.write)}`,
    `rows in the replica at the last ack:        ${report.replicatedAtLastAck}  (Litestream ships every 1 s: the window a lost machine loses)`,
    `rows in the replica before the kill:        ${report.replicatedBeforeKill}  ${ms(t.replicate)} after the last acknowledgement`,
    `rows restored (read back over MCP):         ${report.restored}  in ${ms(t.readBack)}`,
    `acknowledged rows lost:                     ${report.lost.length}${report.lost.length > 0 ? `  (${report.lost.slice(0, 5).join(", ")}${report.lost.length > 5 ? ", …" : ""})` : ""}`,
    `restore + start of the new machine:         ${ms(t.restoreAndStart)}`,
    `drill total:                                ${ms(t.total)}`,
  ].join("\n");
}

let options;
try {
  options = parse();
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const report = await runRestoreDrill({
  entries: options.entries,
  replicateTimeoutMs: options.timeoutMs,
  ...(options.replicaUrl ? { replicaUrl: options.replicaUrl } : {}),
  log: (line) => console.log(`drill: ${line}`),
});
console.log(render(report));
process.exit(report.lost.length === 0 && report.written === report.restored ? 0 : 1);
