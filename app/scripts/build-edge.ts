/**
 * `npm run build:edge`: the Worker as the single ES module the infra uploads
 * (`dist/edge/worker.js`), and its size raw and gzipped.
 */
import { readFileSync } from "node:fs";
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

/** Builds the Worker; `outfile` lets a test build its own bundle without touching the one dev:edge serves. */
export async function buildEdge({ minify = true, outfile = EDGE_BUNDLE } = {}): Promise<EdgeBundle> {
  await build({
    ...WORKER_BUILD_OPTIONS,
    entryPoints: [`${ROOT}app/src/runtimes/worker/index.ts`],
    outfile,
    external: ["cloudflare:*", "node:*"],
    minify,
    plugins: [englishOnly],
    logLevel: "warning",
  });
  const code = readFileSync(outfile);
  return { path: outfile, rawBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (import.meta.main) {
  const bundle = await buildEdge({ minify: !process.argv.includes("--no-minify") });
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(`${bundle.path}: ${kib(bundle.rawBytes)} raw, ${kib(bundle.gzipBytes)} gzip`);
}
