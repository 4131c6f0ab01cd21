/**
 * ReleaseTrees: the packed server code of every release the Fly machines run
 * beside their image's own, put in the stack's backup bucket under
 * `releases/`, where the machines' backup user may read it
 * (backup-bucket.ts). A key names the release and the content's hash, so an
 * object never changes under a key; a release no longer served is deleted.
 * Beside them, `releases/direct.json` names the live release, which the
 * machines follow for calls that name none: a cutover rewrites that object,
 * never the machines.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ReleaseTreesArgs {
  /**
   * The backup bucket.
   * @example backup.bucketName
   */
  bucket: pulumi.Input<string>;
  /**
   * One packed tree per release, with the sha256 the machines check.
   * @example [{ release: "r-8c2e5a1f9d07", sha256: "5e1f…", content: readFileSync(".releases/r-8c2e5a1f9d07/fly/server-tree.json.gz") }]
   */
  trees: { release: string; sha256: string; content: () => Buffer }[];
  /**
   * The release calls naming none should get: what the first API version serves live.
   * @example "r-3f9a1c7e2b4d"
   */
  direct: string;
}

/** The object naming the live release. */
export const DIRECT_RELEASE_KEY = "releases/direct.json";

/** Under this prefix, readable by the machines. */
export const RELEASE_TREE_PREFIX = "releases/";

export function releaseTreeKey(release: string, sha256: string): string {
  return `${RELEASE_TREE_PREFIX}${release}/server-tree-${sha256.slice(0, 16)}.json.gz`;
}

export class ReleaseTrees extends pulumi.ComponentResource {
  /** Key of each release's tree. */
  readonly keys: Record<string, string>;

  constructor(name: string, args: ReleaseTreesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-hosting:fly:ReleaseTrees", name, {}, opts);
    this.keys = {};
    for (const tree of args.trees) {
      const key = releaseTreeKey(tree.release, tree.sha256);
      new aws.s3.BucketObjectv2(
        `${name}-${tree.release}`,
        { bucket: args.bucket, key, contentBase64: tree.content().toString("base64"), contentType: "application/gzip" },
        { parent: this },
      );
      this.keys[tree.release] = key;
    }
    new aws.s3.BucketObjectv2(
      `${name}-direct`,
      { bucket: args.bucket, key: DIRECT_RELEASE_KEY, content: JSON.stringify({ release: args.direct }), contentType: "application/json" },
      { parent: this },
    );
    this.registerOutputs({ keys: this.keys, directKey: DIRECT_RELEASE_KEY });
  }
}
