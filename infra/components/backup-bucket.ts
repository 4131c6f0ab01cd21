/**
 * The S3 bucket Litestream streams each Fly region's SQLite database to, and
 * the IAM user whose key the Fly machines use. AWS provider v7 style: the
 * bucket and each of its settings are separate resources, placed in a region
 * with the per-resource `region` argument.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RELEASE_TREE_PREFIX } from "./release-trees.ts";
import { applyTransform, type Transform } from "./transform.ts";

export interface BackupBucketArgs {
  /** Globally unique bucket name. @example "acme-mcp-hosting-prod-backups" */
  bucketName: string;
  /** AWS region of the bucket. @example "us-east-1" */
  region: string;
  /** Key prefix the backup user may touch. Ends with "/". @default "litestream/" @example "litestream/" */
  prefix?: string;
  /** Days a replaced or deleted object version is kept. @default 30 @example 7 */
  noncurrentRetentionDays?: number;
  /** Days before parts of an unfinished multipart upload are removed. @default 7 @example 3 */
  abortIncompleteUploadDays?: number;
  /**
   * IAM user whose access key Litestream uses (at most 64 characters).
   * @default `${bucketName}-litestream`
   * @example "mcp-prod-litestream"
   */
  userName?: string;
  /**
   * Keep the bucket (and its backups) in AWS when it leaves the stack.
   * @default true
   * @example false
   */
  retainOnDelete?: boolean;
  /**
   * Adjust what the component creates.
   * @default {}
   * @example { bucket: { tags: { team: "mcp" } } }
   */
  transform?: {
    bucket?: Transform<aws.s3.BucketArgs>;
    lifecycle?: Transform<aws.s3.BucketLifecycleConfigurationArgs>;
    user?: Transform<aws.iam.UserArgs>;
    policy?: Transform<aws.iam.UserPolicyArgs>;
  };
}

/** The lifecycle rules: old versions and stale uploads go; current objects never expire. */
export function backupLifecycleRules(noncurrentDays: number, abortDays: number): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: noncurrentDays },
    },
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: abortDays },
    },
  ];
}

/** Read and write under the prefix, list only the prefix; read the release trees the machines run (release-trees.ts). */
export function backupUserPolicy(bucketArn: string, prefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadWriteBackups",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: `${bucketArn}/${prefix}*`,
      },
      {
        Sid: "ListBackupPrefix",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: bucketArn,
        Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
      },
      { Sid: "ReadReleaseTrees", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/${RELEASE_TREE_PREFIX}*` },
      { Sid: "LocateBucket", Effect: "Allow", Action: "s3:GetBucketLocation", Resource: bucketArn },
    ],
  });
}

export class BackupBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly region: pulumi.Output<string>;
  readonly prefix: pulumi.Output<string>;
  readonly accessKeyId: pulumi.Output<string>;
  /** Secret. */
  readonly secretAccessKey: pulumi.Output<string>;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    const userName = args.userName ?? `${args.bucketName}-litestream`;
    if (userName.length > 64) {
      throw new Error(`BackupBucket ${name}: IAM user name ${JSON.stringify(userName)} is longer than 64 characters (set userName)`);
    }
    super("mcp-hosting:backup:Bucket", name, {}, opts);
    const t = args.transform ?? {};
    const prefix = args.prefix ?? "litestream/";
    const region = args.region;
    const child = { parent: this };

    const bucket = new aws.s3.Bucket(
      ...applyTransform(
        t.bucket,
        `${name}-bucket`,
        { bucket: args.bucketName, region, forceDestroy: false },
        { ...child, retainOnDelete: args.retainOnDelete ?? true },
      ),
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, region, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: bucket.id, region, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      { ...child, dependsOn: [ownership] },
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, region, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, region, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(
      ...applyTransform(
        t.lifecycle,
        `${name}-lifecycle`,
        {
          bucket: bucket.id,
          region,
          rules: backupLifecycleRules(args.noncurrentRetentionDays ?? 30, args.abortIncompleteUploadDays ?? 7),
        },
        // Lifecycle rules on noncurrent versions need versioning in place first.
        { ...child, dependsOn: [versioning] },
      ),
    );

    const user = new aws.iam.User(...applyTransform(t.user, `${name}-user`, { name: userName, path: "/mcp-hosting/" }, child));
    new aws.iam.UserPolicy(
      ...applyTransform(
        t.policy,
        `${name}-policy`,
        { user: user.name, policy: bucket.arn.apply((arn) => backupUserPolicy(arn, prefix)) },
        child,
      ),
    );
    const key = new aws.iam.AccessKey(`${name}-key`, { user: user.name }, child);

    this.bucketName = bucket.bucket;
    this.region = pulumi.output(region);
    this.prefix = pulumi.output(prefix);
    this.accessKeyId = key.id;
    this.secretAccessKey = pulumi.secret(key.secret);
    this.registerOutputs({
      bucketName: this.bucketName,
      region: this.region,
      prefix: this.prefix,
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.secretAccessKey,
    });
  }
}
