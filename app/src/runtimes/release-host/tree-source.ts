/**
 * Where a machine fetches release trees (and the pointer to the live release) from: the stack's backup bucket,
 * with the credentials Litestream already has there (the stack puts each
 * served release's tree under `releases/`, readable by that user:
 * infra/components/backup-bucket.ts). The tree's sha256 is checked after the
 * fetch (release-tree.ts), so the bucket is trusted for availability only.
 */
import { getS3Object } from "./s3-object.ts";

/** The most a release tree may weigh: app/src packed is well under a megabyte. */
const MAX_TREE_BYTES = 64 * 1024 * 1024;

export function treeFetcher(key: string, env: NodeJS.ProcessEnv = process.env, maxBytes = MAX_TREE_BYTES): () => Promise<Buffer> {
  return async () => {
    const bucket = env.LITESTREAM_BUCKET;
    const accessKeyId = env.LITESTREAM_ACCESS_KEY_ID;
    const secretAccessKey = env.LITESTREAM_SECRET_ACCESS_KEY;
    if (!bucket || !accessKeyId || !secretAccessKey) {
      throw new Error("LITESTREAM_BUCKET, LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY must be set to fetch a release tree");
    }
    return getS3Object({
      bucket,
      key,
      region: env.LITESTREAM_REGION ?? "us-east-1",
      ...(env.LITESTREAM_ENDPOINT ? { endpoint: env.LITESTREAM_ENDPOINT } : {}),
      credentials: { accessKeyId, secretAccessKey },
      maxBytes,
      timeoutMs: 60_000,
    });
  };
}
