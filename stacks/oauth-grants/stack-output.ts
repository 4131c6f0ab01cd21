/**
 * Where a deployed stack keeps its built-in authorization server: the `oauth`
 * output of its last `pulumi up` (infra/index.ts), read with the Pulumi CLI as
 * the pipelines read `edge` (`pulumi stack output <name> --json --stack <stack>`).
 */
import { spawnSync } from "node:child_process";
import { UsageError } from "../cli.ts";

export interface OAuthStackOutput {
  issuer: string;
  accountId: string;
  kvNamespaceId: string;
}

export function readOAuthOutput(stack: string, root: string, env: NodeJS.ProcessEnv = process.env): OAuthStackOutput {
  const run = spawnSync("pulumi", ["stack", "output", "oauth", "--json", "--stack", stack], { cwd: root, env, encoding: "utf8" });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new UsageError(missing ? "the Pulumi CLI is not on PATH (expected pulumi, logged in to the stack's backend, to read the stack's output oauth)" : `pulumi stack output failed: ${run.error.message}`);
  }
  const said = (run.stderr || run.stdout).trim().split("\n")[0] ?? "";
  if (run.status !== 0) {
    const undeployed = /does not have output property|no output/i.test(said);
    throw new UsageError(
      undeployed
        ? `stack ${stack} has no output oauth: it has not been deployed with auth.mode builtin yet (expected pulumi up -s ${stack} first)`
        : `pulumi stack output oauth --stack ${stack} failed (exit ${String(run.status)}): ${said} (expected the Pulumi CLI logged in to the stack's backend)`,
    );
  }
  let output: unknown;
  try {
    output = JSON.parse(run.stdout);
  } catch {
    throw new UsageError(`pulumi stack output oauth --stack ${stack} printed no JSON: ${said}`);
  }
  const { issuer, accountId, kvNamespaceId } = (output ?? {}) as Partial<OAuthStackOutput>;
  if (typeof issuer !== "string" || typeof accountId !== "string" || typeof kvNamespaceId !== "string") {
    throw new UsageError(`stack ${stack} has no output oauth with issuer, accountId and kvNamespaceId (expected pulumi up -s ${stack} with auth.mode builtin first)`);
  }
  return { issuer, accountId, kvNamespaceId };
}
