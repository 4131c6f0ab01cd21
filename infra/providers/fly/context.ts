/**
 * What every resource handler needs from outside: a client for the API base URL
 * a resource names, and the timing. Production code uses `defaultContext()`;
 * tests build one with a fake server and tiny delays.
 */
import { defaultApiBaseUrl, FlyClient } from "./client.ts";
import { defaultRegistryUrl, FlyRegistry } from "./registry.ts";
import { defaultTiming, type Timing } from "./timing.ts";

/** The one input every Fly resource shares. */
export interface ApiTarget {
  /**
   * Base URL of the Machines API, `/v1` included. Precedence: this input, then
   * env `FLY_API_BASE_URL`, then https://api.machines.dev/v1.
   */
  apiBaseUrl?: string;
}

export interface ProviderContext {
  timing: Timing;
  clientFor(target: ApiTarget): FlyClient;
  /** registry.fly.io, or `target.registryUrl`, else env `FLY_REGISTRY_URL`. */
  registryFor(target: { registryUrl?: string }): FlyRegistry;
}

export interface ContextOptions {
  timing?: Partial<Timing>;
  /** Read at call time for the token and `FLY_API_BASE_URL`. @default process.env */
  env?: Record<string, string | undefined>;
}

export function createContext(options: ContextOptions = {}): ProviderContext {
  const timing: Timing = { ...defaultTiming, ...options.timing };
  const env = options.env ?? process.env;
  return {
    timing,
    clientFor(target) {
      const baseUrl = target.apiBaseUrl || env["FLY_API_BASE_URL"] || defaultApiBaseUrl;
      return new FlyClient({ baseUrl, timing, env });
    },
    registryFor(target) {
      return new FlyRegistry({ baseUrl: target.registryUrl || env["FLY_REGISTRY_URL"] || defaultRegistryUrl, timing, env });
    },
  };
}

let shared: ProviderContext | undefined;

/** The context of the deployed provider: real delays, `process.env`. */
export function defaultContext(): ProviderContext {
  shared ??= createContext();
  return shared;
}
