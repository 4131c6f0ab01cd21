/**
 * `npm run auth -- revoke --stack prod --subject <user id> [--client <client id>] [--json]`:
 * revokes a user's grants on the stack's built-in authorization server
 * (`auth.mode: builtin`), every client's or one's, and with each grant every
 * token issued under it, through the library's own helpers over the Cloudflare
 * KV API (stacks/oauth-grants/). The namespace comes from the stack's `oauth`
 * output (the Pulumi CLI), the token from CLOUDFLARE_API_TOKEN (Workers KV
 * Storage Write), never printed. It says what was revoked: how many grants, of
 * which clients; never a token.
 */
import { parseArgs } from "node:util";
import { missingFlag, runCommand, UsageError } from "../cli.ts";
import { CloudflareApiError } from "../../infra/providers/cloudflare/client.ts";
import { KvNamespaceOverRest } from "../oauth-grants/kv-rest.ts";
import { revokeGrants, type RevokedGrant } from "../oauth-grants/revoke.ts";
import { readOAuthOutput } from "../oauth-grants/stack-output.ts";
import { inVersionOrder } from "../schema.ts";
import { readStack } from "../stack-file.ts";

const USAGE = `usage: npm run auth -- revoke --stack <name> --subject <user id> [--client <client id>] [--json] [--root <dir>]

Revokes the grants a user (--subject, the id the upstream provider signs them in as) holds on the stack's
built-in authorization server (auth.mode: builtin), every client's or only --client's, with every token
issued under them: the user must sign in again. Needs CLOUDFLARE_API_TOKEN (Workers KV Storage Write) and
the Pulumi CLI logged in to the stack's backend (the stack's output oauth names the KV namespace).
exit 0: revoked, or the user holds no grants; 1: it could not start (unknown stack, no token, not builtin,
not deployed); 2: the Cloudflare API refused or failed (its status and message; grants revoked before are listed)`;

const describe = (grants: RevokedGrant[]) => [...new Set(grants.map((grant) => grant.clientId))].join(", ");

await runCommand(USAGE, async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { stack: { type: "string", short: "s" }, subject: { type: "string" }, client: { type: "string" }, json: { type: "boolean" }, root: { type: "string" } },
  });
  const [action, ...extra] = positionals;
  if (action !== "revoke" || extra.length > 0) throw new UsageError(`${action === undefined ? "no action given" : `unknown action ${JSON.stringify(positionals.join(" "))}`} (expected revoke)`, 1, true);
  if (!values.stack) throw missingFlag("--stack");
  if (!values.subject) throw missingFlag("--subject", "the user id whose grants to revoke");
  const root = values.root ?? ".";
  const { config } = readStack(root, values.stack);
  if (config.auth?.mode !== "builtin") {
    throw new UsageError(`stack ${values.stack} has no built-in authorization server (expected auth.mode: builtin in Pulumi.${values.stack}.yaml; with an outside issuer, revoke at that issuer)`);
  }
  if (!process.env.CLOUDFLARE_API_TOKEN?.trim()) throw new UsageError("CLOUDFLARE_API_TOKEN is not set (expected an API token with Workers KV Storage Write on the stack's account)");
  const output = readOAuthOutput(values.stack, root);
  const resources = inVersionOrder(Object.keys(config.apiVersions)).map((name) => `${output.issuer}${config.apiVersions[name]!.route}/mcp`);
  const kv = new KvNamespaceOverRest({ accountId: output.accountId, namespaceId: output.kvNamespaceId });

  const done: RevokedGrant[] = [];
  const whose = `subject ${JSON.stringify(values.subject)}${values.client ? ` and client ${JSON.stringify(values.client)}` : ""}`;
  try {
    await revokeGrants({ kv, issuer: output.issuer, resources, subject: values.subject, ...(values.client ? { client: values.client } : {}), onRevoked: (grant) => done.push(grant) });
  } catch (error) {
    if (!(error instanceof CloudflareApiError)) throw error;
    const before = done.length === 0 ? "nothing was revoked" : `${done.length} grant${done.length === 1 ? " was" : "s were"} revoked before it (clients: ${describe(done)}); run the command again for the rest`;
    throw new UsageError(`${error.message}; ${before}`, 2);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ stack: values.stack, subject: values.subject, client: values.client ?? null, revoked: done }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    done.length === 0
      ? `no grants of ${whose} in stack ${values.stack}: nothing to revoke\n`
      : `revoked ${done.length} grant${done.length === 1 ? "" : "s"} of ${whose} in stack ${values.stack}, with their tokens (clients: ${describe(done)})\n`,
  );
});
