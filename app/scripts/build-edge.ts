/**
 * `npm run build:edge`: the Worker as the single ES module the infra uploads
 * (`dist/edge/worker.js`), and its size raw and gzipped.
 */
import { commandLine } from "../src/runtimes/command-line.ts";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type BuildOptions, type Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const EDGE_BUNDLE = `${ROOT}dist/edge/worker.js`;

/**
 * zod ships messages in every language and the SDK's `import * as z` keeps
 * them all (about 190 KiB minified); the Worker only ever speaks English.
 */
const englishOnly: Plugin = {
  name: "zod-english-only",
  setup(context) {
    context.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: "js",
    }));
  },
};

export interface EdgeBundle {
  path: string;
  rawBytes: number;
  gzipBytes: number;
}

/** How any Worker is bundled here: one ES module, with the packages' workerd builds. */
export const WORKER_BUILD_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2024",
  // The SDK picks its workerd build (the cfworker JSON-schema validator, no ajv, no node: imports) by condition.
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["browser", "module", "main"],
  legalComments: "none",
} as const satisfies BuildOptions;

/** The Worker's entry module. */
export const EDGE_ENTRY = `${ROOT}app/src/runtimes/worker/index.ts`;

/** The Worker with the conformance fixtures added (MCP_FIXTURES=conformance); never uploaded. */
export const FIXTURES_ENTRY = `${ROOT}app/src/runtimes/worker/with-fixtures.ts`;

/**
 * Builds the Worker into `outfile`, atomically: the bundle is written beside
 * it and renamed over it, so a watcher (wrangler dev) never loads half a file.
 * Tests, the bench and dev:edge each pass an `outfile` of their own.
 */
export async function buildEdge({ minify = true, outfile = EDGE_BUNDLE, entry = EDGE_ENTRY } = {}): Promise<EdgeBundle> {
  const result = await build({
    ...WORKER_BUILD_OPTIONS,
    entryPoints: [entry],
    outfile,
    write: false,
    external: ["cloudflare:*", "node:*"],
    minify,
    plugins: [englishOnly],
    logLevel: "warning",
  });
  const code = result.outputFiles[0]!.contents;
  mkdirSync(dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.partial`;
  try {
    writeFileSync(partial, code);
    renameSync(partial, outfile);
  } finally {
    rmSync(partial, { force: true });
  }
  return { path: outfile, rawBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (import.meta.main) {
  const flags = commandLine("usage: npm run build:edge [-- --no-minify]   (the Worker as one ES module, dist/edge/worker.js, with its size raw and gzipped)", {
    "no-minify": { type: "boolean" },
  });
  const bundle = await buildEdge({ minify: !flags["no-minify"] });
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(`${bundle.path}: ${kib(bundle.rawBytes)} raw, ${kib(bundle.gzipBytes)} gzip`);
}
