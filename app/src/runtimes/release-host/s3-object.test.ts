import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { startLocalStore, type LocalStore } from "../../../../test/fixtures/release-store.ts";
import { sdkAuthorization, startSignatureCheckingS3, type SignatureCheckingS3 } from "../../../test/support/signature-checking-s3.ts";
import { getS3Object, S3ObjectError, signS3Get } from "./s3-object.ts";

// s3rver's one key pair.
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const region = "us-east-1";
const key = "release-trees/r-000000000001.json.gz";
const object = randomBytes(200_000);
let store: LocalStore;
let checking: SignatureCheckingS3;

before(async () => {
  store = await startLocalStore("mcp-backups");
  checking = await startSignatureCheckingS3(store.endpoint, credentials, region);
  const put = await fetch(`${store.endpoint}/${store.bucket}/${key}`, { method: "PUT", body: object });
  assert.equal(put.status, 200, await put.text());
});
after(async () => {
  await checking.close();
  await store.close();
});

test("an object comes back byte for byte when the request is signed with the right secret", async () => {
  const bytes = await getS3Object({ bucket: store.bucket, key, region, endpoint: checking.endpoint, credentials });
  assert.ok(bytes.equals(object));
});

test("a wrong secret is refused with a 403 that names the bucket and the key, and not the secret", async () => {
  const secretAccessKey = "not-the-secret-0123456789";
  const error = await getS3Object({ bucket: store.bucket, key, region, endpoint: checking.endpoint, credentials: { ...credentials, secretAccessKey } }).then(
    () => assert.fail("a wrong secret was accepted"),
    (error: S3ObjectError) => error,
  );
  assert.equal(error.status, 403);
  assert.match(error.message, new RegExp(`s3://mcp-backups/${key}.*access denied \\(403 SignatureDoesNotMatch`));
  assert.ok(!error.message.includes(secretAccessKey), error.message);
});

test("an access key id the store does not know is refused with s3rver's own 403", async () => {
  await assert.rejects(
    getS3Object({ bucket: store.bucket, key, region, endpoint: store.endpoint, credentials: { accessKeyId: "NOBODY", secretAccessKey: "x" } }),
    /s3:\/\/mcp-backups\/release-trees\/r-000000000001\.json\.gz at http:\/\/127\.0\.0\.1:\d+: access denied \(403 InvalidAccessKeyId: .*access key id NOBODY/,
  );
});

test("a key that is not in the bucket is a 404 naming the bucket and the key", async () => {
  await assert.rejects(
    getS3Object({ bucket: store.bucket, key: "release-trees/r-missing.json.gz", region, endpoint: store.endpoint, credentials }),
    (error: S3ObjectError) => {
      assert.equal(error.status, 404);
      assert.match(error.message, /s3:\/\/mcp-backups\/release-trees\/r-missing\.json\.gz at .*: not found \(404 NoSuchKey/);
      return true;
    },
  );
});

test("an object larger than maxBytes is refused", async () => {
  await assert.rejects(
    getS3Object({ bucket: store.bucket, key, region, endpoint: store.endpoint, credentials, maxBytes: 1000 }),
    /s3:\/\/mcp-backups\/release-trees\/r-000000000001\.json\.gz at .*: 200000 bytes, more than the 1000 allowed/,
  );
});

test("a store that accepts the connection and never answers fails after timeoutMs, naming the object", async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as { port: number };
  try {
    await assert.rejects(
      getS3Object({ bucket: "mcp-backups", key, region, endpoint: `http://127.0.0.1:${port}`, credentials, timeoutMs: 300 }),
      /s3:\/\/mcp-backups\/release-trees\/r-000000000001\.json\.gz at .*: no whole answer within 300 ms/,
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

test("a GET of AWS's own URL, with a session token, carries the signature the AWS SDK computes", async () => {
  const session = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "token/with+odd=chars" };
  const date = new Date(Date.UTC(2026, 11, 6, 12, 30, 5));
  const request = { bucket: "acme-backups", key: "release trees/r-1 (copy)*.json.gz", region: "eu-west-3", credentials: session };
  const signed = signS3Get(request, date);
  assert.equal(signed.url.href, "https://acme-backups.s3.eu-west-3.amazonaws.com/release%20trees/r-1%20%28copy%29%2A.json.gz");
  assert.equal(signed.headers.authorization, await sdkAuthorization(signed, session, "eu-west-3", date));
});
