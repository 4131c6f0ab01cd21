/**
 * The Pulumi program: load and validate the stack config, build the stack,
 * export its outputs. Everything else lives in ./stack.ts and ./components.
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { ReleaseIntegrityError } from "../stacks/release/manifest.ts";
import { ensureReleases } from "../stacks/release/fetch.ts";
import { ArtifactStoreError } from "../stacks/release/store.ts";
import { loadStackConfig, StackConfigError } from "../stacks/load.ts";
import { MigrationSplitError } from "../stacks/migrations.ts";
import { pinsLocalEdge } from "../stacks/pins.ts";
import { buildLocalBundleIfStale, LocalBundleError, writeLocalToolSchemas } from "./local-bundle.ts";
import { localReleases, ReleaseNotFoundError } from "./releases.ts";
import { buildStack, type StackOutputs } from "./stack.ts";

// Pulumi runs this program in infra/ (the directory of `main`); paths start from the project root.
const root = fileURLToPath(new URL("..", import.meta.url));

const USER_ERRORS = [StackConfigError, ReleaseNotFoundError, LocalBundleError, ReleaseIntegrityError, ArtifactStoreError, MigrationSplitError];

async function build(): Promise<StackOutputs> {
  try {
    const config = loadStackConfig(new pulumi.Config());
    // Pinned releases missing here come from the artifact store; every one is checked against its manifest.
    await ensureReleases(config, root);
    // A `local` pin deploys the working tree as it is now, never a bundle built before the last edit.
    if (pinsLocalEdge(config)) {
      await buildLocalBundleIfStale(root, (line) => void pulumi.log.info(line));
      await writeLocalToolSchemas(root);
    }
    const projectDir = relative(process.cwd(), root) || ".";
    return buildStack(config, { stack: pulumi.getStack(), releases: localReleases(root), projectDir });
  } catch (error) {
    // A user's mistake is reported as a message, not a stack trace.
    if (USER_ERRORS.some((kind) => error instanceof kind)) throw new pulumi.RunError((error as Error).message);
    throw error;
  }
}

const stack = await build();

export const urls = stack.urls;
/** Per API version: the Worker script and the version id of each color (for `Cloudflare-Workers-Version-Overrides`). */
export const edge = stack.edge;
export const flyApp = stack.flyApp;
export const backupBucket = stack.backupBucket;
/** With `auth.mode: builtin`: the issuer, account and KV namespace of the edge's authorization server (`npm run auth` reads them). */
export const oauth = stack.oauth;
