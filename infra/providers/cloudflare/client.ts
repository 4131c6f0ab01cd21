/**
 * The few calls of the Cloudflare API v4 that apply a Durable Object migration:
 * read a script's migration tag, and upload the script (non-versioned). The
 * token is read from the environment when each request is sent, the same
 * `CLOUDFLARE_API_TOKEN` the Cloudflare provider uses; it is never an input,
 * so it never reaches Pulumi state.
 *
 * Every answer is the v4 envelope `{ success, errors: [{ code, message }], result }`
 * (developers.cloudflare.com/fundamentals/api/how-to/make-api-calls/).
 */
import { backoffDelay, type Backoff } from "../fly/timing.ts";

export const defaultCloudflareApiBaseUrl = "https://api.cloudflare.com/client/v4";

export interface CloudflareTiming {
  /** Retries of 429 (every request) and of 5xx and network errors (GETs only). */
  retry: Backoff;
  requestTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const defaultCloudflareTiming: CloudflareTiming = {
  retry: { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 15_000 },
  requestTimeoutMs: 120_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export class CloudflareTokenMissingError extends Error {
  constructor() {
    super(
      "no Cloudflare API token: the Durable Object migration is uploaded with the same API token as the Cloudflare provider " +
        "(expected the stack's cloudflare:apiToken secret, or CLOUDFLARE_API_TOKEN in the environment of pulumi up, with the Workers Scripts: Edit permission)",
    );
    this.name = "CloudflareTokenMissingError";
  }
}

export class CloudflareApiError extends Error {
  readonly status: number;
  readonly codes: number[];
  constructor(method: string, path: string, status: number, errors: { code?: number; message?: string }[]) {
    const text = errors.map((e) => `${e.message ?? "no message"}${e.code === undefined ? "" : ` [code: ${e.code}]`}`).join("; ");
    super(`Cloudflare API ${method} ${path} ${status === 0 ? "failed" : `answered ${status}`}: ${text || "no error text"}`);
    this.name = "CloudflareApiError";
    this.status = status;
    this.codes = errors.flatMap((e) => (e.code === undefined ? [] : [e.code]));
  }
  /** The request may or may not have been carried out (no answer, or a 5xx). */
  get ambiguous(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** One module of a Worker upload. */
export interface WorkerModule {
  name: string;
  contentBase64: string;
  /** @default "application/javascript+module" */
  contentType?: string;
}

export interface ScriptUpload {
  /** The upload's `metadata` part (main_module, bindings, migrations, …). */
  metadata: Record<string, unknown>;
  modules: WorkerModule[];
}

export interface Envelope<T> {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: T;
}

export class CloudflareClient {
  readonly baseUrl: string;
  readonly #timing: CloudflareTiming;
  readonly #env: Record<string, string | undefined>;

  constructor(options: { baseUrl: string; timing?: CloudflareTiming; env?: Record<string, string | undefined> }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#timing = options.timing ?? defaultCloudflareTiming;
    this.#env = options.env ?? process.env;
  }

  /**
   * The tag of the last Durable Object migration applied to a script, or
   * undefined when none is (or the script does not exist yet). wrangler reads it
   * from the service's default environment (cloudflare/workers-sdk
   * packages/deploy-helpers/src/deploy/helpers/durable.ts).
   */
  async migrationTag(accountId: string, scriptName: string): Promise<string | undefined> {
    const path = `/accounts/${encodeURIComponent(accountId)}/workers/services/${encodeURIComponent(scriptName)}`;
    try {
      const service = await this.#request<{ default_environment?: { script?: { migration_tag?: string } } }>("GET", path, undefined, true);
      return service?.default_environment?.script?.migration_tag || undefined;
    } catch (error) {
      if (error instanceof CloudflareApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Uploads a script and deploys it at 100%: `PUT /accounts/{id}/workers/scripts/{name}`,
   * multipart with a `metadata` part and one part per module
   * (developers.cloudflare.com/workers/configuration/multipart-upload-metadata/).
   * Not retried after an ambiguous failure: the caller decides by re-reading the tag.
   */
  async uploadScript(accountId: string, scriptName: string, upload: ScriptUpload): Promise<{ migrationTag?: string }> {
    const path = `/accounts/${encodeURIComponent(accountId)}/workers/scripts/${encodeURIComponent(scriptName)}`;
    const form = new FormData();
    form.set("metadata", new Blob([JSON.stringify(upload.metadata)], { type: "application/json" }));
    for (const module of upload.modules) {
      const bytes = Buffer.from(module.contentBase64, "base64");
      form.set(module.name, new Blob([bytes], { type: module.contentType ?? "application/javascript+module" }), module.name);
    }
    const result = await this.#request<{ migration_tag?: string }>("PUT", path, form, false);
    return { migrationTag: result?.migration_tag };
  }

  async #request<T>(method: string, path: string, body: FormData | undefined, idempotent: boolean): Promise<T | undefined> {
    const { retry, sleep, random } = this.#timing;
    for (let attempt = 1; ; attempt++) {
      let failure: CloudflareApiError;
      try {
        const response = await fetch(this.baseUrl + path, {
          method,
          headers: { accept: "application/json", authorization: `Bearer ${this.#token()}` },
          body,
          signal: AbortSignal.timeout(this.#timing.requestTimeoutMs),
        });
        const envelope = parseEnvelope<T>(await response.text());
        if (response.ok && envelope.success !== false) return envelope.result;
        failure = new CloudflareApiError(method, path, response.status, envelope.errors ?? []);
      } catch (error) {
        if (error instanceof CloudflareTokenMissingError) throw error;
        failure = new CloudflareApiError(method, path, 0, [{ message: error instanceof Error ? error.message : String(error) }]);
      }
      // Cloudflare answers 429 before doing anything, so any request may be sent again.
      const retryable = failure.status === 429 || (failure.ambiguous && idempotent);
      if (!retryable || attempt >= retry.attempts) throw failure;
      await sleep(backoffDelay(retry, attempt, random));
    }
  }

  #token(): string {
    const token = (this.#env["CLOUDFLARE_API_TOKEN"] ?? "").trim();
    if (token === "") throw new CloudflareTokenMissingError();
    return token;
  }
}

/** An answer's v4 envelope; a body that is not JSON becomes an error naming its start. */
export function parseEnvelope<T>(text: string): Envelope<T> {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Envelope<T>) : {};
  } catch {
    return { success: false, errors: [{ message: text.slice(0, 200) || "empty answer" }] };
  }
}
