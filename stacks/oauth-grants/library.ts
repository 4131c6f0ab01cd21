/**
 * @cloudflare/workers-oauth-provider, loaded in Node: the package imports
 * `WorkerEntrypoint` from `cloudflare:workers`, which only workerd provides, and
 * uses it only to recognise handler classes (`instanceof`), which the helpers
 * outside a fetch handler never reach. A resolve hook (Node 24's
 * `module.registerHooks`) hands it an empty class under that name; everything
 * else (crypto.subtle, fetch, Request) is Node's own.
 */
import { registerHooks } from "node:module";

type OAuthLibrary = typeof import("@cloudflare/workers-oauth-provider");

const WORKERS_MODULE = "data:text/javascript,export class WorkerEntrypoint {}";
let loading: Promise<OAuthLibrary> | undefined;

/** The library, once per process. */
export function loadOAuthLibrary(): Promise<OAuthLibrary> {
  loading ??= load();
  return loading;
}

async function load(): Promise<OAuthLibrary> {
  registerHooks({
    resolve: (specifier, context, next) => (specifier === "cloudflare:workers" ? { url: WORKERS_MODULE, shortCircuit: true } : next(specifier, context)),
  });
  // At import the library notes, once, that the Worker it runs in lacks the flag for client metadata documents;
  // nothing here fetches them, and the note's advice (a wrangler.jsonc) is not this program's.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!(typeof args[0] === "string" && args[0].startsWith("CIMD (Client ID Metadata Document) is disabled"))) warn(...args);
  };
  try {
    return await import("@cloudflare/workers-oauth-provider");
  } finally {
    console.warn = warn;
  }
}
