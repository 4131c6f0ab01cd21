/**
 * What the mocked providers answer in an offline evaluation: the inputs echoed
 * back, plus the few attributes the program reads from a real provider (an S3
 * bucket's ARN, an access key's secret, `modal deploy`'s stdout). Nothing here
 * is checked by tests as a result; it only lets the program run to the end.
 */
import type * as pulumi from "@pulumi/pulumi";

/** A transcript shaped like `modal deploy` (modal-labs/modal-client, py/modal/_output/status.py). */
export function fakeModalDeployStdout(appName: string, environment: string): string {
  return [
    "✓ Created objects.",
    "├── 🔨 Created mount /app/modal/modal_app.py",
    `└── 🔨 Created web function web => https://acme-${environment}--${appName}-web.modal.run`,
    "✓ App deployed in 4.2s! 🎉",
    "",
    `View Deployment: https://modal.com/apps/acme/${environment}/deployed/${appName}`,
  ].join("\n");
}

function word(command: string, flag: string): string {
  return new RegExp(`${flag} '([^']*)'`).exec(command)?.[1] ?? "app";
}

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
    case "command:local:Command": {
      const create = String(inputs.create ?? "");
      return { id, state: { ...inputs, stdout: fakeModalDeployStdout(word(create, "--name"), word(create, "--env")), stderr: "" } };
    }
    default:
      return { id, state: inputs };
  }
}

export function fakeCall(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
  return args.inputs as pulumi.runtime.MockCallResult;
}
