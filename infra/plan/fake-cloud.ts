/**
 * What the mocked providers answer in an offline evaluation: the inputs echoed
 * back, plus the few attributes the program reads from a real provider (an S3
 * bucket's ARN, an access key's secret). Nothing here is checked by tests as
 * a result; it only lets the program run to the end.
 */
import type * as pulumi from "@pulumi/pulumi";

export function fakeNewResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
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
