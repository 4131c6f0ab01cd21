/**
 * A Workers KV namespace as the binding's methods (`get`, `put`, `delete`,
 * `list`), over the Cloudflare API v4, so code written for a Worker's
 * `env.OAUTH_KV` (the @cloudflare/workers-oauth-provider helpers) runs from a
 * laptop or a pipeline. The token is read from the environment for each request
 * and never printed. The calls, as developers.cloudflare.com/api/resources/kv/ documents them:
 *
 * - list: `GET …/storage/kv/namespaces/{ns}/keys?prefix&limit&cursor`, the v4 envelope with
 *   `result: [{ name, expiration?, metadata? }]` and `result_info.cursor` (empty on the last page);
 *   `limit` is 10..1000 (subresources/namespaces/subresources/keys/methods/list/).
 * - get: `GET …/values/{key}`, the value itself as the body; 404 for a missing key
 *   (subresources/namespaces/subresources/values/methods/get/).
 * - put: `PUT …/values/{key}?expiration_ttl`, multipart with `value` and `metadata` (JSON)
 *   (…/values/methods/update/).
 * - delete: `DELETE …/values/{key}` (…/values/methods/delete/).
 *
 * Key names are percent-encoded in the path, as the docs ask for `:`.
 */
import { CloudflareApiError, defaultCloudflareApiBaseUrl, type Envelope, parseEnvelope } from "../../infra/providers/cloudflare/client.ts";

export interface KvRestOptions {
  accountId: string;
  namespaceId: string;
  /** @default env CLOUDFLARE_BASE_URL, else https://api.cloudflare.com/client/v4 */
  baseUrl?: string;
  /** Where CLOUDFLARE_API_TOKEN is read, at each request. @default process.env */
  env?: Record<string, string | undefined>;
}

export interface KvListKey {
  name: string;
  expiration?: number;
  metadata?: unknown;
}

export interface KvListResult {
  keys: KvListKey[];
  list_complete: boolean;
  cursor?: string;
}

type GetType = "text" | "json";

/** A listing's envelope: the keys, and where the next page starts. */
type ListEnvelope = Envelope<KvListKey[]> & { result_info?: { count?: number; cursor?: string } };

/** The KV binding's surface the OAuth library uses, over HTTPS. */
export class KvNamespaceOverRest {
  readonly #base: string;
  readonly #env: Record<string, string | undefined>;

  constructor(options: KvRestOptions) {
    this.#env = options.env ?? process.env;
    const base = (options.baseUrl ?? (this.#env["CLOUDFLARE_BASE_URL"] || defaultCloudflareApiBaseUrl)).replace(/\/+$/, "");
    this.#base = `${base}/accounts/${encodeURIComponent(options.accountId)}/storage/kv/namespaces/${encodeURIComponent(options.namespaceId)}`;
  }

  async get(key: string, options?: GetType | { type?: GetType }): Promise<unknown> {
    const type = typeof options === "string" ? options : (options?.type ?? "text");
    const response = await this.#send("GET", `/values/${encodeURIComponent(key)}`);
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    await this.#check("GET", "/values/…", response);
    const text = await response.text();
    return type === "json" ? (JSON.parse(text) as unknown) : text;
  }

  async put(key: string, value: string, options: { expiration?: number; expirationTtl?: number; metadata?: unknown } = {}): Promise<void> {
    const query = new URLSearchParams();
    if (options.expirationTtl !== undefined) query.set("expiration_ttl", String(options.expirationTtl));
    else if (options.expiration !== undefined) query.set("expiration", String(options.expiration));
    const form = new FormData();
    form.set("value", value);
    if (options.metadata !== undefined) form.set("metadata", JSON.stringify(options.metadata));
    const path = `/values/${encodeURIComponent(key)}${query.size > 0 ? `?${query}` : ""}`;
    await this.#envelope("PUT", path, form);
  }

  async delete(key: string): Promise<void> {
    const response = await this.#send("DELETE", `/values/${encodeURIComponent(key)}`);
    // A key that is already gone is what a delete wants.
    if (response.status === 404) return void (await response.body?.cancel());
    await this.#check("DELETE", "/values/…", response);
    await response.body?.cancel();
  }

  async list(options: { prefix?: string; limit?: number; cursor?: string } = {}): Promise<KvListResult> {
    const query = new URLSearchParams();
    if (options.prefix) query.set("prefix", options.prefix);
    // The API takes 10..1000; a smaller page asked for is a larger one given, which the library's callers page through alike.
    if (options.limit !== undefined) query.set("limit", String(Math.min(1000, Math.max(10, options.limit))));
    if (options.cursor) query.set("cursor", options.cursor);
    const envelope: ListEnvelope = await this.#envelope<KvListKey[]>("GET", `/keys${query.size > 0 ? `?${query}` : ""}`);
    const cursor = envelope.result_info?.cursor || undefined;
    return { keys: envelope.result ?? [], list_complete: cursor === undefined, ...(cursor ? { cursor } : {}) };
  }

  async #envelope<T>(method: string, path: string, body?: FormData): Promise<Envelope<T>> {
    const response = await this.#send(method, path, body);
    const envelope = parseEnvelope<T>(await response.text());
    if (!response.ok || envelope.success === false) throw new CloudflareApiError(method, redact(path), response.status, envelope.errors ?? []);
    return envelope;
  }

  async #check(method: string, path: string, response: Response): Promise<void> {
    if (response.ok) return;
    throw new CloudflareApiError(method, path, response.status, parseEnvelope(await response.text()).errors ?? []);
  }

  async #send(method: string, path: string, body?: FormData): Promise<Response> {
    const token = (this.#env["CLOUDFLARE_API_TOKEN"] ?? "").trim();
    if (token === "") throw new Error("CLOUDFLARE_API_TOKEN is not set");
    try {
      return await fetch(`${this.#base}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body, signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      throw new CloudflareApiError(method, redact(path), 0, [{ message: error instanceof Error ? error.message : String(error) }]);
    }
  }
}

/** Key names (which hold user ids) stay out of error messages; the operation and the answer are what matter. */
function redact(path: string): string {
  return path.replace(/^\/values\/[^?]*/, "/values/…").replace(/^\/keys\?.*$/, "/keys");
}
