/**
 * The Fly Docker registry (`registry.fly.io`) over the Docker Registry HTTP API
 * v2 (distribution spec): whether a tag exists, and a copy of an image from one
 * app's repository to another's by digest, blob by blob, so promotion moves the
 * exact bytes staging ran and never rebuilds.
 *
 * - The repository of app `<app>` is `<app>`; it exists only once the app does,
 *   and a push to it before then is refused with NAME_UNKNOWN "app repository not
 *   found" (fly.io docs, blueprints/using-the-fly-docker-registry: create the app first).
 * - Authentication is Basic with user `x` and the API token as password, as
 *   `fly auth docker` sets it up (flyctl internal/command/auth/docker.go; the token
 *   without its `FlyV1 ` scheme, fly-go tokens.Docker()). A registry that answers
 *   401 with a Bearer challenge gets the distribution spec's token exchange instead.
 * - Access is per organization: an app's token reads the repositories of every
 *   app in the same org (the blueprint above), which is what a copy needs.
 */
import { createHash } from "node:crypto";
import { flyTokenFrom } from "./client.ts";
import { FlyTokenMissingError } from "./errors.ts";
import { backoffDelay, type Timing } from "./timing.ts";

export const defaultRegistryUrl = "https://registry.fly.io";

/** The manifest types a pull accepts: OCI and Docker, single images and multi-platform indexes. */
export const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

export interface ImageManifest {
  /** `sha256:…` of the manifest's bytes, as the registry names it. */
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export class RegistryError extends Error {
  /** HTTP status, or 0 when no answer came. */
  readonly status: number;
  /** The distribution spec's error code (NAME_UNKNOWN, MANIFEST_UNKNOWN, …), when the registry sent one. */
  readonly code: string | undefined;
  constructor(method: string, path: string, status: number, code: string | undefined, message: string) {
    super(`Fly registry ${method} ${path} ${status === 0 ? "got no answer" : `answered ${status}`}: ${code ? `${code.toLowerCase().replace(/_/g, " ")}: ` : ""}${message}`);
    this.name = "RegistryError";
    this.status = status;
    this.code = code;
  }
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}


/** Blobs a manifest refers to (config and layers), or the manifests an index lists. */
function referencesOf(manifest: ImageManifest): { blobs: string[]; manifests: string[] } {
  const body = JSON.parse(manifest.bytes.toString("utf8")) as {
    config?: { digest?: string };
    layers?: { digest?: string }[];
    manifests?: { digest?: string }[];
  };
  const digests = (list: { digest?: string }[] | undefined) => (list ?? []).map((item) => item.digest).filter((d): d is string => typeof d === "string");
  return { blobs: [...(body.config?.digest ? [body.config.digest] : []), ...digests(body.layers)], manifests: digests(body.manifests) };
}

export interface RegistryOptions {
  baseUrl?: string;
  timing: Timing;
  env?: Record<string, string | undefined>;
}

export class FlyRegistry {
  readonly baseUrl: string;
  readonly #timing: Timing;
  readonly #env: Record<string, string | undefined>;
  /** Bearer tokens by scope, when the registry asks for the token exchange. */
  readonly #bearer = new Map<string, string>();

  constructor(options: RegistryOptions) {
    this.baseUrl = (options.baseUrl ?? defaultRegistryUrl).replace(/\/+$/, "");
    this.#timing = options.timing;
    this.#env = options.env ?? process.env;
  }

  /** The manifest `reference` (a tag or a digest) names in `repo`, or undefined when the tag is not there. */
  async manifest(repo: string, reference: string): Promise<ImageManifest | undefined> {
    try {
      const response = await this.#request("GET", `/v2/${repo}/manifests/${reference}`, repo, { headers: { accept: MANIFEST_TYPES.join(", ") } });
      const bytes = Buffer.from(await response.arrayBuffer());
      return { digest: response.headers.get("docker-content-digest") ?? sha256Digest(bytes), mediaType: response.headers.get("content-type") ?? "", bytes };
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404 && error.code !== "NAME_UNKNOWN") return undefined;
      throw error;
    }
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    try {
      await this.#request("HEAD", `/v2/${repo}/blobs/${digest}`, repo, {});
      return true;
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404 && error.code !== "NAME_UNKNOWN") return false;
      throw error;
    }
  }

  async blob(repo: string, digest: string): Promise<Buffer> {
    const response = await this.#request("GET", `/v2/${repo}/blobs/${digest}`, repo, {});
    const bytes = Buffer.from(await response.arrayBuffer());
    if (sha256Digest(bytes) !== digest) throw new RegistryError("GET", `/v2/${repo}/blobs/${digest}`, response.status, "DIGEST_INVALID", "the blob's bytes do not match its digest");
    return bytes;
  }

  /** Uploads a blob (monolithic: POST for an upload URL, then PUT with the digest). */
  async putBlob(repo: string, bytes: Buffer): Promise<string> {
    const digest = sha256Digest(bytes);
    if (await this.hasBlob(repo, digest)) return digest;
    const started = await this.#request("POST", `/v2/${repo}/blobs/uploads/`, repo, {});
    await this.#finishUpload(repo, started, digest, bytes);
    return digest;
  }

  /** Stores a manifest under `tag`; returns its digest. */
  async putManifest(repo: string, tag: string, manifest: Pick<ImageManifest, "mediaType" | "bytes">): Promise<string> {
    const response = await this.#request("PUT", `/v2/${repo}/manifests/${tag}`, repo, { headers: { "content-type": manifest.mediaType }, body: manifest.bytes });
    return response.headers.get("docker-content-digest") ?? sha256Digest(manifest.bytes);
  }

  /**
   * Copies `from:reference` to `to:tag` with the same digest: every blob is
   * mounted across repositories (the spec's `?mount=&from=`), or streamed when
   * the registry declines the mount, then the manifest is put unchanged.
   */
  async copy(from: string, reference: string, to: string, tag: string): Promise<string> {
    const source = await this.manifest(from, reference);
    if (!source) throw new RegistryError("GET", `/v2/${from}/manifests/${reference}`, 404, "MANIFEST_UNKNOWN", `${from} has no image ${reference}`);
    await this.#copyContent(from, to, source);
    const digest = await this.putManifest(to, tag, source);
    if (digest !== source.digest) {
      throw new RegistryError("PUT", `/v2/${to}/manifests/${tag}`, 0, "DIGEST_INVALID", `the copy has digest ${digest}, the source ${source.digest}`);
    }
    return digest;
  }

  async #copyContent(from: string, to: string, manifest: ImageManifest): Promise<void> {
    const { blobs, manifests } = referencesOf(manifest);
    for (const digest of blobs) {
      if (await this.hasBlob(to, digest)) continue;
      const mount = await this.#request("POST", `/v2/${to}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, to, {}, [from]);
      // 201: mounted. 202: the registry opened an upload instead, which takes the bytes.
      if (mount.status === 202) await this.#finishUpload(to, mount, digest, await this.blob(from, digest));
    }
    // A multi-platform index: each platform's manifest goes first, by digest.
    for (const digest of manifests) {
      const child = await this.manifest(from, digest);
      if (!child) throw new RegistryError("GET", `/v2/${from}/manifests/${digest}`, 404, "MANIFEST_UNKNOWN", `the index names ${digest}, which ${from} lacks`);
      await this.#copyContent(from, to, child);
      await this.putManifest(to, digest, child);
    }
  }

  async #finishUpload(repo: string, started: Response, digest: string, bytes: Buffer): Promise<void> {
    const location = started.headers.get("location");
    if (!location) throw new RegistryError("POST", `/v2/${repo}/blobs/uploads/`, started.status, undefined, "no Location for the upload");
    const url = new URL(location, `${this.baseUrl}/`);
    url.searchParams.set("digest", digest);
    await this.#request("PUT", url.pathname + url.search, repo, { headers: { "content-type": "application/octet-stream" }, body: bytes });
  }

  async #request(method: string, path: string, repo: string, init: { headers?: Record<string, string>; body?: Buffer }, readFrom: string[] = []): Promise<Response> {
    const { retry, sleep, random } = this.#timing;
    const reading = method === "GET" || method === "HEAD";
    for (let attempt = 1; ; attempt++) {
      let failure: RegistryError;
      try {
        const response = await this.#send(method, path, init, this.#authorization(repo, readFrom));
        if (response.status === 401) {
          const challenge = response.headers.get("www-authenticate") ?? "";
          await response.body?.cancel();
          if (/^bearer /i.test(challenge) && !this.#bearer.has(scopeOf(repo, readFrom))) {
            await this.#exchange(challenge, repo, readFrom);
            continue;
          }
          throw new RegistryError(method, path, 401, "UNAUTHORIZED", "the Fly API token was refused (expected FLY_API_TOKEN of the app's organization)");
        }
        if (response.ok) return response;
        const { code, message } = errorOf(await response.text());
        failure = new RegistryError(method, path, response.status, code, message);
      } catch (error) {
        if (error instanceof RegistryError || error instanceof FlyTokenMissingError) throw error;
        failure = new RegistryError(method, path, 0, undefined, error instanceof Error ? error.message : String(error));
      }
      // Reads are safe to repeat after a 5xx or a lost answer; a 429 comes before anything is done.
      const retryable = failure.status === 429 || ((failure.status === 0 || failure.status >= 500) && reading);
      if (!retryable || attempt >= retry.attempts) throw failure;
      await sleep(backoffDelay(retry, attempt, random));
    }
  }

  async #send(method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer }, authorization: string): Promise<Response> {
    return await fetch(this.baseUrl + path, {
      method,
      headers: { authorization, ...init.headers },
      ...(init.body ? { body: new Uint8Array(init.body) } : {}),
      redirect: "follow",
      signal: AbortSignal.timeout(this.#timing.requestTimeoutMs),
    });
  }

  #authorization(repo: string, readFrom: string[]): string {
    const bearer = this.#bearer.get(scopeOf(repo, readFrom));
    if (bearer) return `Bearer ${bearer}`;
    return `Basic ${Buffer.from(`x:${flyTokenFrom(this.#env)}`).toString("base64")}`;
  }

  /** The distribution spec's token exchange: the realm, asked with Basic credentials, for the scopes of this call. */
  async #exchange(challenge: string, repo: string, readFrom: string[]): Promise<void> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params["realm"]) throw new RegistryError("GET", "(token)", 401, "UNAUTHORIZED", `a Bearer challenge without a realm: ${challenge}`);
    const url = new URL(params["realm"]);
    if (params["service"]) url.searchParams.set("service", params["service"]);
    url.searchParams.append("scope", `repository:${repo}:pull,push`);
    for (const from of readFrom) url.searchParams.append("scope", `repository:${from}:pull`);
    const response = await fetch(url, {
      headers: { authorization: `Basic ${Buffer.from(`x:${flyTokenFrom(this.#env)}`).toString("base64")}` },
      signal: AbortSignal.timeout(this.#timing.requestTimeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!response.ok || !token) throw new RegistryError("GET", url.pathname, response.status, "UNAUTHORIZED", "the token exchange refused the Fly API token");
    this.#bearer.set(scopeOf(repo, readFrom), token);
  }
}

const scopeOf = (repo: string, readFrom: string[]) => [repo, ...readFrom].join(" ");

/** The spec's error body `{ errors: [{ code, message, detail }] }`, or the text. */
function errorOf(text: string): { code: string | undefined; message: string } {
  try {
    const first = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    if (first) return { code: first.code, message: first.message ?? "no message" };
  } catch {
    // not the spec's JSON
  }
  return { code: undefined, message: text.slice(0, 300) || "(empty body)" };
}
