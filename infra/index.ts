/**
 * The Pulumi program: load and validate the stack config, build the stack,
 * export its outputs. Everything else lives in ./stack.ts and ./components.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, StackConfigError } from "../stacks/load.ts";
import { localReleases, ReleaseNotFoundError } from "./releases.ts";
import { buildStack, type StackOutputs } from "./stack.ts";

// Pulumi runs this program in infra/ (the directory of `main`); paths start from the project root.
const root = fileURLToPath(new URL("..", import.meta.url));

function build(): StackOutputs {
  try {
    const config = loadStackConfig(new pulumi.Config());
    const projectDir = relative(process.cwd(), root) || ".";
    return buildStack(config, { stack: pulumi.getStack(), releases: localReleases(root), projectDir });
  } catch (error) {
    // A user's mistake is reported as a message, not a stack trace.
    if (error instanceof StackConfigError || error instanceof ReleaseNotFoundError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const stack = build();

export const urls = stack.urls;
export const flyApp = stack.flyApp;
export const backupBucket = stack.backupBucket;
