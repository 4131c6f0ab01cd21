/**
 * The artifact store: an existing S3 bucket (or any S3-compatible store, e.g.
 * Cloudflare R2, through `endpoint`) that holds every published release under
 * `releases/<id>/`, the same files as the local `.releases/<id>/`.
 *
 * - Publishing uploads the artifacts first and the manifest last, so a release
 *   whose manifest is readable is complete. A published release is never
 *   overwritten: publishing different content under an existing id is refused.
 * - Fetching downloads into a temporary folder, verifies every hash against the
 *   manifest, and only then moves it into the cache.
 * - Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
 *   AWS_SESSION_TOKEN) in the environment, as CI sets them; nothing else is
 *   consulted, so no instance-metadata lookup ever leaves the machine.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { MANIFEST_FILE, parseManifest, type ReleaseManifest, verifyReleaseDir } from "./manifest.ts";

export interface ArtifactStoreSettings {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint instead of AWS S3. @example "https://<account>.r2.cloudflarestorage.com" */
  endpoint?: string | undefined;
}

export class ArtifactStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactStoreError";
  }
}

export const STORE_PREFIX = "releases/";

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

export class ArtifactStore {
  readonly settings: ArtifactStoreSettings;
  readonly #client: S3Client;

  constructor(settings: ArtifactStoreSettings, env: NodeJS.ProcessEnv = process.env) {
    const credentials = credentialsFromEnv(env);
    if (!credentials) {
      throw new ArtifactStoreError(
        `artifact store s3://${settings.bucket}: no AWS credentials (expected AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment)`,
      );
    }
    this.settings = settings;
    this.#client = new S3Client({
      region: settings.region,
      credentials,
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      // S3-compatible stores do not all speak the newer default checksums; S3 accepts both.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
    });
  }

  get where(): string {
    return `s3://${this.settings.bucket}/${STORE_PREFIX}`;
  }

  #key(release: string, path: string): string {
    return `${STORE_PREFIX}${release}/${path}`;
  }

  async #get(key: string): Promise<Buffer | undefined> {
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return Buffer.from(await response.Body!.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404 && error.name !== "NoSuchBucket")) {
        return undefined;
      }
      throw this.#explain(error, `read s3://${this.settings.bucket}/${key}`);
    }
  }

  #explain(error: unknown, what: string): ArtifactStoreError {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new ArtifactStoreError(`artifact store: cannot ${what} (${message})`);
  }

  /** The manifest of a published release, or undefined if it is not published. */
  async manifest(release: string): Promise<ReleaseManifest | undefined> {
    const bytes = await this.#get(this.#key(release, MANIFEST_FILE));
    return bytes === undefined ? undefined : parseManifest(bytes.toString("utf8"), release);
  }

  /**
   * Uploads a verified local release. Returns false when the same release is
   * already published; refuses when a different manifest holds its id.
   */
  async publish(dir: string): Promise<{ manifest: ReleaseManifest; uploaded: boolean }> {
    const manifest = verifyReleaseDir(dir);
    const published = await this.manifest(manifest.release);
    if (published) {
      if (JSON.stringify(published.artifacts) !== JSON.stringify(manifest.artifacts)) {
        throw new ArtifactStoreError(`release ${manifest.release} is already published with different artifacts; releases are immutable (refusing to overwrite)`);
      }
      return { manifest: published, uploaded: false };
    }
    for (const path of Object.keys(manifest.artifacts)) await this.#put(manifest.release, path, readFileSync(join(dir, path)));
    await this.#put(manifest.release, MANIFEST_FILE, readFileSync(join(dir, MANIFEST_FILE)));
    return { manifest, uploaded: true };
  }

  async #put(release: string, path: string, body: Buffer): Promise<void> {
    const key = this.#key(release, path);
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: body }));
    } catch (error) {
      throw this.#explain(error, `write s3://${this.settings.bucket}/${key}`);
    }
  }

  /** The ids of every published release (a "folder" under the store's prefix each), in name order. */
  async list(): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: STORE_PREFIX, Delimiter: "/", ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const prefix of page.CommonPrefixes ?? []) {
          const id = prefix.Prefix?.slice(STORE_PREFIX.length).replace(/\/$/, "");
          if (id && /^r-[0-9a-f]{12}$/.test(id)) ids.push(id);
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw this.#explain(error, `list ${this.where}`);
    }
    return ids.sort();
  }

  /** Downloads a published release into `cacheDir/<id>`, verifying every hash first. */
  async fetch(release: string, cacheDir: string): Promise<ReleaseManifest> {
    const target = join(cacheDir, release);
    if (existsSync(target)) return verifyReleaseDir(target, release);
    const manifestBytes = await this.#get(this.#key(release, MANIFEST_FILE));
    if (manifestBytes === undefined) {
      throw new ArtifactStoreError(`release ${release} is not in ${this.where} (expected it published with npm run release:publish)`);
    }
    const manifest = parseManifest(manifestBytes.toString("utf8"), release);
    mkdirSync(cacheDir, { recursive: true });
    const staging = mkdtempSync(join(cacheDir, `.${release}-`));
    try {
      writeFileSync(join(staging, MANIFEST_FILE), manifestBytes);
      for (const path of Object.keys(manifest.artifacts)) {
        const bytes = await this.#get(this.#key(release, path));
        if (bytes === undefined) throw new ArtifactStoreError(`release ${release}: ${path} is listed in its manifest but missing from ${this.where}`);
        mkdirSync(dirname(join(staging, path)), { recursive: true });
        writeFileSync(join(staging, path), bytes);
      }
      verifyReleaseDir(staging, release);
      renameSync(staging, target);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
    return manifest;
  }

  destroy(): void {
    this.#client.destroy();
  }
}
