/**
 * `npm run status -- --stack prod [--json]`: per API version, the live color,
 * the canary share and the release in each slot; with credentials for the
 * query APIs (CLOUDFLARE_API_TOKEN or CLOUDFLARE_ANALYTICS_TOKEN,
 * FLY_API_TOKEN or FLY_METRICS_TOKEN), the last hour's calls, error rate and
 * p95 per color, at the edge and on Fly. `--telemetry <url>` reads a local
 * run's telemetry store instead.
 */
import { parseArgs } from "node:util";
import { missingFlag, parseDuration, runCommand } from "../cli.ts";
import { readStack } from "../stack-file.ts";
import { localSources, stackSources } from "../telemetry/sources.ts";
import { renderStatus, stackStatus } from "../telemetry/stack-status.ts";

const USAGE = "usage: npm run status -- --stack <name> [--json] [--window <duration, default 1h>] [--telemetry <url>]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: { stack: { type: "string", short: "s" }, json: { type: "boolean" }, window: { type: "string" }, telemetry: { type: "string" }, root: { type: "string" } },
  });
  if (!values.stack) throw missingFlag("--stack");
  const { config } = readStack(values.root ?? ".", values.stack);
  const sources = values.telemetry ? localSources(values.telemetry) : stackSources(config, values.stack);
  const windowSeconds = values.window === undefined ? 3600 : parseDuration(values.window, "--window") / 1000;
  const status = await stackStatus(values.stack, config, sources, windowSeconds);
  process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
});
