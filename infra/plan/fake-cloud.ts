/**
 * What the mocked providers answer in an offline evaluation: the inputs echoed
 * back, plus the few attributes the program reads from a real provider (an S3
 * bucket's ARN, an access key's secret). Cloudflare's Workers resources go
 * through a model of the account (fake-cloudflare.ts), which refuses what
 * Cloudflare refuses, so the plan fails where `pulumi up` would.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CloudflareRefusal, FakeCloudflare, isScriptMigrations, TYPES } from "./fake-cloudflare.ts";

/** One fake account: every resource of one evaluation goes through the same one. */
export interface FakeCloud {
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult;
  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult;
  /**
   * What the cloud refused, in order. A refusal is recorded rather than thrown
   * (a mock that throws crashes the program with an unhandled rejection), so the
   * evaluation ends and its caller reports the first one.
   */
  readonly refusals: CloudflareRefusal[];
}

export function fakeCloud(): FakeCloud {
  const cloudflare = new FakeCloudflare();
  const refusals: CloudflareRefusal[] = [];
  const answer = (args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult => {
    const inputs = args.inputs as Record<string, unknown>;
    const id = `${args.name}-id`;
    if (args.type === TYPES.worker) cloudflare.createWorker(id, inputs);
    else if (args.type === TYPES.version) cloudflare.uploadVersion(args.name, id, inputs);
    else if (args.type === TYPES.deployment) cloudflare.deploy(args.name, inputs);
    else if (isScriptMigrations(args.type)) return { id, state: { ...inputs, ...cloudflare.applyMigrations(args.name, inputs) } };
    return fakeNewResource(args);
  };
  return {
    refusals,
    newResource(args) {
      try {
        return answer(args);
      } catch (error) {
        if (!(error instanceof CloudflareRefusal)) throw error;
        refusals.push(error);
        return fakeNewResource(args);
      }
    },
    call: fakeCall,
  };
}

/** The answer of a stateless provider: the inputs, plus what a real one computes. */
function fakeNewResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
  const inputs = args.inputs as Record<string, unknown>;
  const id = `${args.name}-id`;
  switch (args.type) {
    case "aws:s3/bucket:Bucket":
      return { id: String(inputs.bucket), state: { ...inputs, arn: `arn:aws:s3:::${String(inputs.bucket)}` } };
    case "aws:iam/user:User":
      return { id: String(inputs.name), state: { ...inputs, arn: `arn:aws:iam::123456789012:user/${String(inputs.name)}` } };
    case "aws:iam/accessKey:AccessKey":
      return { id: "AKIAFAKEFAKEFAKEFAKE", state: { ...inputs, secret: "fake-secret-access-key" } };
    default:
      return { id, state: inputs };
  }
}

export function fakeCall(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
  return args.inputs as pulumi.runtime.MockCallResult;
}
