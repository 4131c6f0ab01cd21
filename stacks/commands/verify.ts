/**
 * `npm run verify -- --url <mcp url> [--watch 15m] [--max-error-rate 0.01]`:
 * a scripted MCP session against a deployed endpoint (initialize, list tools,
 * call each registry tool with its example). Without --watch it runs once, a
 * smoke test; with --watch it repeats for the window, printing the error rate
 * and p95 as it goes, and exits 1 as soon as the error rate crosses the limit.
 *
 * With --stack and --api (or --telemetry for a local run) a watch also judges
 * the canary by real traffic: every interval it reads the Analytics Engine
 * SQL API and Prometheus on Fly.io and compares the colors' error rates, p95
 * and tool mix (stacks/telemetry/); a breach there exits 1 too. Below the
 * minimum traffic, or when a query API fails, it says so and the verdict
 * rests on the scripted calls.
 *
 * To reach one color of a Worker, pass --version-override <script>=<version id>
 * (the `Cloudflare-Workers-Version-Overrides` header) with --expect-release, so
 * an override Cloudflare did not apply fails instead of testing the live color.
 * What such a check proves is that color's Worker code, and no more: each
 * Durable Object runs the version the deployment's percentages assigned it
 * (Cloudflare docs, gradual deployments with Durable Objects), so with the
 * color at 1% the sessions it opens mostly run the live color's McpSession.
 * The new color's Durable Object code is judged where it is real: by the
 * guard, per color, once traffic moves.
 */
import { parseArgs } from "node:util";
import { parseDuration, runCommand, UsageError } from "../cli.ts";
import { readStack } from "../stack-file.ts";
import { colorsOf } from "../telemetry/sources.ts";
import { COLOR_FLAGS, COLOR_USAGE, describeGuard, readingPrinter, TRAFFIC_FLAGS, TRAFFIC_USAGE, trafficGuardFrom } from "../telemetry/traffic-flags.ts";
import { trafficOf } from "../traffic.ts";
import { headersFrom } from "../verify/headers.ts";
import { expectRelease } from "../verify/release-check.ts";
import { watch } from "../verify/watch.ts";

const USAGE =
  "usage: npm run verify -- (--url <mcp url> | --stack <name> --api <vN>) [--watch <duration>] [--interval <duration>] [--max-error-rate <0..1>] " +
  `[--token <bearer>] [--header 'Name: value'] [--version-override <script>=<version id>] [--expect-release r-<12 hex>] ${TRAFFIC_USAGE} ${COLOR_USAGE}`;

const write = (line: string) => process.stdout.write(`${line}\n`);

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      stack: { type: "string", short: "s" },
      api: { type: "string" },
      root: { type: "string" },
      watch: { type: "string" },
      interval: { type: "string" },
      "max-error-rate": { type: "string" },
      token: { type: "string" },
      header: { type: "string", multiple: true },
      "version-override": { type: "string" },
      "expect-release": { type: "string" },
      ...TRAFFIC_FLAGS,
      ...COLOR_FLAGS,
    },
  });
  if (!values.url && !values.stack) throw new UsageError("--url or --stack is required", 1, true);
  if (values.stack && !values.api) throw new UsageError("--api is required with --stack (e.g. v1)", 1, true);
  const stackFile = values.stack ? readStack(values.root ?? ".", values.stack) : undefined;
  const version = stackFile && values.api ? stackFile.config.apiVersions[values.api] : undefined;
  if (stackFile && !version) throw new UsageError(`--api ${values.api}: ${stackFile.path} has no such API version (expected one of ${Object.keys(stackFile.config.apiVersions).join(", ")})`);
  const urlText = values.url ?? `https://${stackFile!.config.domain}${version!.route}/mcp`;
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new UsageError(`--url: ${JSON.stringify(urlText)} is not a URL (expected e.g. https://mcp.example.com/v1/mcp)`);
  }
  const windowMs = values.watch === undefined ? 0 : parseDuration(values.watch, "--watch");
  const intervalMs = values.interval === undefined ? 5000 : parseDuration(values.interval, "--interval");
  const maxErrorRate = values["max-error-rate"] === undefined ? 0.01 : Number(values["max-error-rate"]);
  if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) throw new UsageError(`--max-error-rate: ${values["max-error-rate"]} is not a share (expected 0..1, e.g. 0.01)`);
  const headers = headersFrom(values);
  const apiVersion = values.api ?? /\/(v\d+)\/mcp\/?$/.exec(url.pathname)?.[1] ?? "v1";
  const stack = stackFile && version ? { name: stackFile.stack, config: stackFile.config, colors: colorsOf(trafficOf(version)) } : undefined;
  const traffic = windowMs === 0 ? undefined : trafficGuardFrom(values, { apiVersion, watchMs: windowMs, ...(stack ? { stack } : {}) });

  if (values["expect-release"]) {
    const served = await expectRelease(url, values["expect-release"], headers);
    write(`${url.origin}: serves release ${served.release} (${served.color})`);
  }
  const label = windowMs === 0 ? "smoke test" : `watch for ${values.watch}`;
  write(`verify ${url.href}: ${label}, failing above ${(maxErrorRate * 100).toFixed(2)}% errors`);
  if (values["version-override"]) write(overrideScope(values["version-override"]));
  if (traffic) write(describeGuard(traffic));
  else if (windowMs > 0) write("real traffic: not read (give --stack and --api, or --telemetry for a local run); judged by the scripted calls only");
  const { tally, breached, reason, cause } = await watch(url, {
    headers,
    windowMs,
    intervalMs,
    maxErrorRate,
    ...(traffic ? { traffic, onReading: readingPrinter(write) } : {}),
    onSession: (steps, running, elapsedMs) => {
      const failed = steps.filter((step) => !step.ok);
      const detail = failed.length === 0 ? "" : ` · failed: ${failed.map((f) => `${f.name} (${f.error})`).join("; ")}`;
      write(`[${(elapsedMs / 1000).toFixed(1)}s] session ${running.sessions}: ${steps.length - failed.length}/${steps.length} ok · ${running.describe()}${detail}`);
    },
  });
  if (breached && cause === "scripted calls") throw new UsageError(`verify: ${tally.describe()}: above --max-error-rate ${maxErrorRate} (breach)`, 1);
  if (breached) throw new UsageError(`verify: breach in real traffic: ${reason}`, 1);
  for (const line of traffic?.conclusion() ?? []) write(line);
  const basis = traffic?.judgedByRealTraffic ? "real traffic and scripted calls" : "scripted calls only";
  const scope = values["version-override"] ? `; the Worker code of ${values["version-override"]}, not its Durable Objects` : "";
  write(`verify: passed (${basis}${scope}) · ${tally.describe()}`);
});

/** What a check through a version override covers, said before it runs. */
function overrideScope(spec: string): string {
  const [script, version] = spec.split("=");
  return (
    `version override: the requests run ${script}'s Worker code of version ${version}; each Durable Object they reach (every 2025-11-25 session) ` +
    "runs the version the deployment's percentages assigned it, mostly the live color's " +
    "(developers.cloudflare.com/workers/versions-and-deployments/gradual-deployments/with-durable-objects/). " +
    "This checks that version's Worker code; its Durable Object code is judged per color by the guard once traffic moves"
  );
}
