/**
 * `npm run verify -- --url <mcp url> [--watch 15m] [--max-error-rate 0.01]`:
 * a scripted MCP session against a deployed endpoint (initialize, list tools,
 * call each registry tool with its example). Without --watch it runs once, a
 * smoke test; with --watch it repeats for the window, printing the error rate
 * and p95 as it goes, and exits 1 as soon as the error rate crosses the limit.
 *
 * To reach one color of a Worker, pass --version-override <script>=<version id>
 * (the `Cloudflare-Workers-Version-Overrides` header) with --expect-release, so
 * an override Cloudflare did not apply fails instead of testing the live color.
 */
import { parseArgs } from "node:util";
import { parseDuration, runCommand, UsageError, missingFlag } from "../cli.ts";
import { headersFrom } from "../verify/headers.ts";
import { expectRelease } from "../verify/release-check.ts";
import { watch } from "../verify/watch.ts";

const USAGE =
  "usage: npm run verify -- --url <mcp url> [--watch <duration>] [--interval <duration>] [--max-error-rate <0..1>] " +
  "[--token <bearer>] [--header 'Name: value'] [--version-override <script>=<version id>] [--expect-release r-<12 hex>]";

await runCommand(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      watch: { type: "string" },
      interval: { type: "string" },
      "max-error-rate": { type: "string" },
      token: { type: "string" },
      header: { type: "string", multiple: true },
      "version-override": { type: "string" },
      "expect-release": { type: "string" },
    },
  });
  if (!values.url) throw missingFlag("--url");
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url: ${JSON.stringify(values.url)} is not a URL (expected e.g. https://mcp.example.com/v1/mcp)`);
  }
  const windowMs = values.watch === undefined ? 0 : parseDuration(values.watch, "--watch");
  const intervalMs = values.interval === undefined ? 5000 : parseDuration(values.interval, "--interval");
  const maxErrorRate = values["max-error-rate"] === undefined ? 0.01 : Number(values["max-error-rate"]);
  if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) throw new UsageError(`--max-error-rate: ${values["max-error-rate"]} is not a share (expected 0..1, e.g. 0.01)`);
  const headers = headersFrom(values);

  if (values["expect-release"]) {
    const served = await expectRelease(url, values["expect-release"], headers);
    process.stdout.write(`${url.origin}: serves release ${served.release} (${served.color})\n`);
  }
  const label = windowMs === 0 ? "smoke test" : `watch for ${values.watch}`;
  process.stdout.write(`verify ${url.href}: ${label}, failing above ${(maxErrorRate * 100).toFixed(2)}% errors\n`);
  const { tally, breached } = await watch(url, {
    headers,
    windowMs,
    intervalMs,
    maxErrorRate,
    onSession: (steps, running, elapsedMs) => {
      const failed = steps.filter((step) => !step.ok);
      const detail = failed.length === 0 ? "" : ` · failed: ${failed.map((f) => `${f.name} (${f.error})`).join("; ")}`;
      process.stdout.write(`[${(elapsedMs / 1000).toFixed(1)}s] session ${running.sessions}: ${steps.length - failed.length}/${steps.length} ok · ${running.describe()}${detail}\n`);
    },
  });
  if (breached) {
    throw new UsageError(`verify: ${tally.describe()}: above --max-error-rate ${maxErrorRate} (breach)`, 1);
  }
  process.stdout.write(`verify: passed · ${tally.describe()}\n`);
});
