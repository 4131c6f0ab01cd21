import assert from "node:assert/strict";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { named, ofType, T } from "../../test/fixtures/registrations.ts";
import { evaluateOffline, recordRegistrations } from "../plan/evaluate.ts";
import { BackupBucket, type BackupBucketArgs } from "./backup-bucket.ts";

const base: BackupBucketArgs = { bucketName: "acme-mcp-test-backups", region: "eu-central-1", prefix: "litestream/", noncurrentRetentionDays: 14, abortIncompleteUploadDays: 3 };

async function evaluate(args: BackupBucketArgs = base) {
  let bucket: BackupBucket | undefined;
  const evaluation = await evaluateOffline("test", () => {
    bucket = new BackupBucket("backup", args);
    return { bucketName: bucket.bucketName };
  });
  assert.ok(bucket);
  return { ...evaluation, bucket };
}

type Rule = Record<string, unknown>;

test("current objects never expire; old versions and stale uploads do", async () => {
  const { registrations } = await evaluate();
  const lifecycle = ofType(registrations, T.lifecycle);
  assert.equal(lifecycle.length, 1);
  const rules = lifecycle[0]?.inputs.rules as Rule[];
  assert.ok(rules.length > 0);
  for (const rule of rules) {
    assert.equal(rule.expiration, undefined, `rule ${String(rule.id)} must not expire current objects`);
    assert.equal(rule.transitions, undefined, `rule ${String(rule.id)} must not move current objects`);
    assert.equal(rule.status, "Enabled");
  }
  assert.deepEqual(rules.map((r) => r.noncurrentVersionExpiration).filter(Boolean), [{ noncurrentDays: 14 }]);
  assert.deepEqual(rules.map((r) => r.abortIncompleteMultipartUpload).filter(Boolean), [{ daysAfterInitiation: 3 }]);
});

test("the bucket is versioned, encrypted, private and owner-enforced, all in its region", async () => {
  const { registrations } = await evaluate();
  assert.deepEqual(named(registrations, "backup-versioning").inputs.versioningConfiguration, { status: "Enabled" });
  const [sse] = named(registrations, "backup-encryption").inputs.rules as Rule[];
  assert.deepEqual(sse?.applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
  const block = named(registrations, "backup-public-access").inputs;
  for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(block[flag], true, flag);
  assert.deepEqual(named(registrations, "backup-ownership").inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
  for (const type of [T.bucket, T.versioning, T.encryption, T.publicAccess, T.ownership, T.lifecycle]) {
    for (const r of ofType(registrations, type)) assert.equal(r.inputs.region, "eu-central-1", `${r.name} region`);
  }
});

test("the backup user can read and write only under its prefix, and only read the release trees the machines run", async () => {
  const { registrations } = await evaluate({ ...base, prefix: "db/litestream/" });
  const policy = JSON.parse(String(named(registrations, "backup-policy").inputs.policy)) as { Statement: Rule[] };
  const objectAccess = policy.Statement.filter((s) => [s.Action].flat().some((a) => String(a).endsWith("Object")));
  const trees = objectAccess.filter((s) => String(s.Resource).endsWith("/releases/*"));
  assert.deepEqual(trees.map((s) => s.Action), ["s3:GetObject"]);
  assert.ok(objectAccess.length > trees.length);
  for (const statement of objectAccess.filter((s) => !trees.includes(s))) assert.match(String(statement.Resource), /^arn:aws:s3:::[^/]+\/db\/litestream\/\*$/);
  const list = policy.Statement.find((s) => s.Action === "s3:ListBucket");
  assert.deepEqual(list?.Condition, { StringLike: { "s3:prefix": ["db/litestream/*"] } });
  assert.ok(policy.Statement.every((s) => s.Effect === "Allow" && s.Resource !== "*"));
});

test("the secret access key leaves the component only as a secret", async () => {
  const { bucket } = await evaluate();
  assert.equal(await pulumi.isSecret(bucket.secretAccessKey), true);
  assert.equal(await pulumi.isSecret(bucket.accessKeyId), false);
});

test("the bucket outlives the stack unless told otherwise", async () => {
  const { registrations } = await evaluate();
  assert.equal(named(registrations, "backup-bucket").inputs.forceDestroy, false);
});

test("an IAM user name longer than IAM allows is refused before anything registers", async () => {
  const registrations = await recordRegistrations("test");
  assert.throws(() => new BackupBucket("backup", { ...base, bucketName: "a".repeat(60) }), /longer than 64 characters \(set userName\)/);
  await pulumi.runtime.disconnect();
  assert.equal(registrations.length, 0);
});
